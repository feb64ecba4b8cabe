/**
 * Workflow entry point for the worker bundle: every workflow type is exported from here.
 * Deterministic code only: imports @temporalio/workflow, Node-free temporal/ files and `import type`.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { ping } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 5 },
});

/** Smoke workflow: one activity round trip through the worker. */
export async function pingWorkflow(name: string): Promise<string> {
  return await ping(name);
}

export { pipelineWorkflow } from './pipeline-workflow';
