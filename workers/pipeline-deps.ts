/**
 * What a worker's pipeline activities need, built once per process: the gateway runtime is the process's one
 * (handed in by the entry point — with `npm start` the very one the API routes with), plus the event log (Redis
 * when REDIS_URL is set, else in-process and shared with an API in the same process), the usage ledger, and the
 * function registry (built-ins + modules from CB_FUNCTIONS_DIR).
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { ActivityDeps } from '../activities';
import { FunctionRegistry } from '../activities/functions/function-registry';
import { functionsConfigFromEnv } from '../activities/functions/function-types';
import type { AppConfig } from '../config/app-config';
import type { GatewayRuntime } from '../gateway/routing/gateway-runtime';
import { sharedEventLog } from '../pipelines/event-log-factory';
import { openUsageLedger } from '../pipelines/usage-ledger-factory';

export interface WorkerPipelineDeps {
  pipeline: NonNullable<ActivityDeps['pipeline']>;
  close(): Promise<void>;
}

export async function createWorkerPipelineDeps(config: AppConfig, runtime: GatewayRuntime, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<WorkerPipelineDeps> {
  const events = sharedEventLog(config, (err) => logger.warn({ err }, 'pipeline event log (Redis) error'));
  const ledger = await openUsageLedger(config, env);
  const functions = FunctionRegistry.withBuiltIns(functionsConfigFromEnv(env));
  const dir = env.CB_FUNCTIONS_DIR?.trim();
  if (dir) {
    const loaded = functions.loadDirectory(path.resolve(dir));
    logger.info(`Pipeline functions from ${dir}: ${loaded.join(', ') || '(none)'}`);
  }
  return {
    pipeline: { runtime, events, ledger, functions },
    close: async () => {
      await ledger.close();
    },
  };
}
