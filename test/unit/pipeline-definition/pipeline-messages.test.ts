import * as workflows from '../../../workflows';
import { PIPELINE_WORKFLOW } from '../../../pipelines/definition/pipeline-messages';

/**
 * Clients start the interpreter by its type name (the API process never loads workflow code); the worker
 * registers workflows by their export name. This ties the two: renaming the export without the name fails here.
 */
test('the workflow type clients start is the function the worker bundle exports', () => {
  const exported = (workflows as Record<string, unknown>)[PIPELINE_WORKFLOW];
  expect(typeof exported).toBe('function');
  expect(exported).toBe(workflows.pipelineWorkflow);
});
