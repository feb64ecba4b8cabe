import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { isUnknownUpdate } from '../../pipelines/pipeline-errors';

test('an update a run has no handler for (a run of an earlier worker build) is told apart from a refusal', () => {
  // What the workflow runtime answers for an update name it has no handler for (@temporalio/workflow internals).
  const unknown = new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.nonRetryable('No registered handler for update: pipelineInput'));
  const refused = new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ type: 'NotWaitingForSignal', message: 'not waiting', nonRetryable: true }));
  expect(isUnknownUpdate(unknown)).toBe(true);
  expect(isUnknownUpdate(refused)).toBe(false);
  expect(isUnknownUpdate(new Error('No registered handler for update: x'))).toBe(false);
});
