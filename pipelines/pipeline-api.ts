/**
 * The pipeline services the API (REST now, GraphQL later) is built on, assembled once per API process: the
 * service over the definition store and Temporal, the instance feeds over the shared event log (with one
 * liveness watch per instance), the hook trigger, and the Temporal Schedules of definitions that declare one
 * (synced once Temporal answers).
 */
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../config/app-config';
import type { PipelineDefinition, UsageTotals } from './definition/types';
import { HookTrigger } from './hook-trigger';
import { type EventFeedSource, InstanceFeeds } from './instance-events';
import { PipelineService, type DefinitionCatalog, type InitialDataCheck } from './pipeline-service';
import { syncSchedule, syncSchedules } from './schedules';
import { ensureSearchAttributes } from './search-attribute-setup';

export interface PipelineApi {
  service: PipelineService;
  /** The instances' event feeds (SSE): the event log, read from a position, ended by a terminal event. */
  feeds: InstanceFeeds;
  hooks: HookTrigger;
  /** The published JSON Schema of the definition source format. */
  definitionJsonSchema(): unknown;
  /** Installs / updates the Temporal Schedules of every definition that declares one (idempotent). */
  syncSchedules(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export interface PipelineApiDeps {
  config: Pick<AppConfig, 'temporal' | 'hooks'>;
  temporal: { getClient(): Client | Promise<Client>; status(): { ready: boolean } };
  definitions: DefinitionCatalog & { all?(): Promise<PipelineDefinition[]> };
  checkInitialData: InitialDataCheck;
  definitionJsonSchema: () => unknown;
  events: EventFeedSource;
  /** How often an instance with open feeds is checked for a close without a terminal event; default 15 s. */
  feedLivenessMs?: number;
  billedUsage?: (instanceId: string) => Promise<UsageTotals | undefined>;
  logger?: { info(msg: string): void; warn(msg: string): void };
  /** Sync schedules once Temporal is reachable (default true). */
  syncSchedulesOnStart?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Extra clean-up (e.g. closing the store) run by close(). */
  onClose?: () => Promise<void>;
}

export function createPipelineApi(deps: PipelineApiDeps): PipelineApi {
  const { config, temporal, definitions, checkInitialData, logger } = deps;
  const scheduleOpts = { taskQueue: config.temporal.taskQueue, checkInitialData, ...(logger ? { logger } : {}) };
  const service = new PipelineService({
    temporal,
    definitions: {
      list: () => definitions.list(),
      get: (id, version) => definitions.get(id, version),
      // A saved definition's schedule is installed right away when Temporal answers (else at next start).
      save: async (source) => {
        const saved = await definitions.save(source);
        if (temporal.status().ready) await syncSchedule(await temporal.getClient(), saved, scheduleOpts).catch((err: unknown) => logger?.warn(`Schedule sync of ${saved.id} failed: ${String(err)}`));
        return saved;
      },
    },
    checkInitialData,
    ...(deps.billedUsage ? { billedUsage: deps.billedUsage } : {}),
    taskQueue: config.temporal.taskQueue,
    namespace: config.temporal.namespace,
    uiUrl: config.temporal.uiUrl,
  });
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const feeds = new InstanceFeeds({
    events: deps.events,
    status: (id) => service.status(id),
    ...(deps.feedLivenessMs !== undefined ? { livenessMs: deps.feedLivenessMs } : {}),
    ...(logger ? { onError: (m: string) => logger.warn(`pipeline feeds: ${m}`) } : {}),
  });

  const api: PipelineApi = {
    service,
    feeds,
    hooks: new HookTrigger(config.hooks, service, deps.env),
    definitionJsonSchema: deps.definitionJsonSchema,
    async syncSchedules() {
      const defs = await latestDefinitions(definitions);
      return await syncSchedules(await temporal.getClient(), defs, scheduleOpts);
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      feeds.close();
      await deps.onClose?.().catch((err: unknown) => logger?.warn(`closing pipeline services: ${err instanceof Error ? err.message : String(err)}`));
    },
  };

  if (deps.syncSchedulesOnStart !== false) {
    const tick = (): void => {
      if (closed) return;
      if (!temporal.status().ready) {
        timer = setTimeout(tick, 1_000);
        timer.unref();
        return;
      }
      const prepare = async (): Promise<void> => {
        const client = await temporal.getClient();
        const added = await ensureSearchAttributes(client, config.temporal.namespace).catch((err: unknown) => {
          logger?.warn(`Could not register the pipeline search attributes: ${err instanceof Error ? err.message : String(err)}`);
          return [];
        });
        if (added.length > 0) logger?.info(`Registered search attributes ${added.join(', ')} in namespace ${config.temporal.namespace}`);
        await api.syncSchedules();
      };
      prepare().catch((err: unknown) => logger?.warn(`Schedule sync failed: ${err instanceof Error ? err.message : String(err)}`));
    };
    tick();
  }
  return api;
}

/** The latest version of every definition. */
async function latestDefinitions(definitions: PipelineApiDeps['definitions']): Promise<PipelineDefinition[]> {
  if (definitions.all) return await definitions.all();
  const out: PipelineDefinition[] = [];
  for (const item of await definitions.list()) {
    const id = (item as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') continue;
    const def = await definitions.get(id);
    if (def) out.push(def);
  }
  return out;
}
