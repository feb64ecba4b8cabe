/**
 * Opens the pipeline services of one API process from its config: the definition store (with the built-in
 * definitions loaded), the process-wide event log and usage ledger (shared with an in-process worker, as in
 * the all-in-one start; Redis / the database when API and workers are separate), schedule sync on start.
 */
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../config/app-config';
import { definitionJsonSchema } from './definition/definition-schema';
import { openDefinitionStore } from './definition-store';
import { sharedEventLog } from './event-log-factory';
import { createPipelineApi, type PipelineApi } from './pipeline-api';
import { openUsageLedger } from './usage-ledger-factory';
import { checkInitialData } from './validate-initial-data';

export interface OpenPipelineApiOptions {
  config: AppConfig;
  temporal: { getClient(): Client | Promise<Client>; status(): { ready: boolean } };
  logger?: { info(msg: string): void; warn(msg: string): void };
  env?: NodeJS.ProcessEnv;
  /** How often an instance with open feeds is checked for a close without a terminal event; default 15 s. */
  feedLivenessMs?: number;
}

export async function openPipelineApi(opts: OpenPipelineApiOptions): Promise<PipelineApi> {
  const { config, logger } = opts;
  const env = opts.env ?? process.env;
  const opened = await openDefinitionStore({ dataDir: config.dataDir }, env);
  const events = sharedEventLog({ redisUrl: config.redisUrl }, (err) => logger?.warn(`pipeline event log: ${err.message}`));
  const ledger = openUsageLedger({ dataDir: config.dataDir }, env);
  ledger.catch((err: unknown) => logger?.warn(`usage ledger unavailable: ${err instanceof Error ? err.message : String(err)}`));
  return createPipelineApi({
    config,
    temporal: opts.temporal,
    definitions: opened.store,
    checkInitialData,
    definitionJsonSchema,
    events,
    billedUsage: async (id) => {
      const t = await (await ledger).totals(id);
      return { promptTokens: t.promptTokens, completionTokens: t.completionTokens, totalTokens: t.totalTokens, costUsd: t.costUsd };
    },
    ...(logger ? { logger } : {}),
    ...(opts.feedLivenessMs !== undefined ? { feedLivenessMs: opts.feedLivenessMs } : {}),
    env,
    // The event log and ledger are process-wide (a worker in this process may still use them): not closed here.
    onClose: () => opened.close(),
  });
}
