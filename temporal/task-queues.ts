/**
 * Task-queue names. Node-free: workflow code may import this file.
 * The name carries a version so that an incompatible worker build can be rolled out on a new queue
 * while old runs drain on the old one.
 */

export const TASK_QUEUE_BASE = 'circuit-breaker';
export const TASK_QUEUE_VERSION = 1;

/** `<base>-v<version>`, e.g. 'circuit-breaker-v1'. */
export function versionedTaskQueue(base: string = TASK_QUEUE_BASE, version: number = TASK_QUEUE_VERSION): string {
  return `${base}-v${version}`;
}

/** The default task queue (`TEMPORAL_TASK_QUEUE` overrides it in config). */
export const DEFAULT_TASK_QUEUE = versionedTaskQueue();
