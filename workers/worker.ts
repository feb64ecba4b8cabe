/**
 * Worker factory: bundles the workflow code once per process and creates a Worker on a connection.
 */
import { bundleWorkflowCode, DefaultLogger, Worker, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import type { Duration } from '@temporalio/common';
import type { Activities } from '../activities';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** A prebuilt bundle; default: getWorkflowBundle() (built once, cached). */
  workflowBundle?: WorkflowBundle;
  /** Passed through to the Worker (tests use e.g. maxCachedWorkflows: 0). */
  maxCachedWorkflows?: number;
  /**
   * Longest gap between two heartbeats sent to the server (they are throttled): bounds how late an activity
   * learns it was cancelled. Default 5 s.
   */
  maxHeartbeatThrottleInterval?: Duration;
}

/** Path of workflows/index.(ts|js): the .ts under jest/ts sources, the .js under dist/. */
export function workflowsPath(): string {
  return require.resolve('../workflows');
}

let bundle: Promise<WorkflowBundle> | undefined;

/** Bundles workflows/ with webpack once per process; later calls share the result. */
export function getWorkflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: new DefaultLogger('WARN') }).catch(
    (err: unknown) => {
      bundle = undefined; // let a later call retry
      throw err;
    },
  );
  return bundle;
}

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  return await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    workflowBundle: options.workflowBundle ?? (await getWorkflowBundle()),
    maxHeartbeatThrottleInterval: options.maxHeartbeatThrottleInterval ?? '5 seconds',
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
  });
}
