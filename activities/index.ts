/**
 * Activities: the side-effecting half of workflows. Built by createActivities(deps) so that tests and
 * workers inject their own clock/logger, gateway runtime, event log, usage ledger and function registry.
 */
import { ApplicationFailure } from '@temporalio/common';
import { createPipelineActivities, type PipelineActivities, type PipelineActivityDeps } from './pipeline-activities';

export interface ActivityLogger {
  info(msg: string): void;
  warn?(obj: object, msg: string): void;
}

export interface ActivityDeps {
  /** Current time; injected so tests can pin it. Default Date.now. */
  now?: () => number;
  logger?: ActivityLogger;
  /** What the pipeline activities need; without it they fail (non-retryably) saying so. */
  pipeline?: Omit<PipelineActivityDeps, 'now' | 'logger'>;
}

function notConfigured(): PipelineActivities {
  const fail = (): never => {
    throw ApplicationFailure.nonRetryable('this worker was started without pipeline dependencies (runtime, event log, ledger, functions)', 'NotConfigured');
  };
  return { callAgent: async () => fail(), runFunction: async () => fail(), publishEvents: async () => fail() };
}

export function createActivities(deps: ActivityDeps = {}) {
  const now = deps.now ?? Date.now;
  const logger = deps.logger;
  const pipeline = deps.pipeline
    ? createPipelineActivities({ ...deps.pipeline, now, ...(logger?.warn ? { logger: { warn: (o: object, m: string) => logger.warn?.(o, m) } } : {}) })
    : notConfigured();
  return {
    /** Smoke activity: proves a worker is polling and can run activities. */
    async ping(name: string): Promise<string> {
      deps.logger?.info(`ping from ${name}`);
      return `pong: ${name} @ ${new Date(now()).toISOString()}`;
    },
    ...pipeline,
  };
}

export type Activities = ReturnType<typeof createActivities>;
