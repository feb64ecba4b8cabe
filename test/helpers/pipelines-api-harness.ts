import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { FunctionRegistry } from '../../activities/functions/function-registry';
import { GatewayRuntime } from '../../gateway/routing/gateway-runtime';
import { type ApiServer, startApiServer } from '../../api/server';
import { loadConfig } from '../../config/load-config';
import { createLogger } from '../../config/logger';
import { sharedEventLog } from '../../pipelines/event-log-factory';
import { openPipelineApi } from '../../pipelines/open-pipeline-api';
import type { PipelineApi } from '../../pipelines/pipeline-api';
import { openUsageLedger } from '../../pipelines/usage-ledger-factory';
import { PIPELINE_SEARCH_ATTRIBUTE_TYPES } from '../../pipelines/definition/search-attributes';
import { TemporalClientManager } from '../../temporal/connection';
import { createWorker } from '../../workers/worker';
import type { FakeServer } from './fake-server';
import { type GatewayHarness, rawRequest } from './gateway-harness';
import { createTemporalTestEnv, type TemporalTestEnv } from './temporal-env';
import { startAnthropicFake } from '../providers/fakes/anthropic-fake';
import { startOpenAIFake } from '../providers/fakes/openai-fake';

/**
 * Everything a pipeline API e2e test needs, all real: a dev server with the pipeline search attributes, fake
 * OpenAI (primary) and Anthropic (fallback) upstreams, the API (startApiServer, same code as `npm start`, with
 * its pipeline services opened here so tests can read the feeds' counters) and an in-process worker running
 * the pipeline activities on the same event log and ledger as the API (one process, as in the all-in-one start).
 */
export interface ApiHarness {
  env: TemporalTestEnv;
  openai: FakeServer;
  anthropic: FakeServer;
  gw: Pick<GatewayHarness, 'config' | 'temporal' | 'close'> & { api: ApiServer };
  /** The API's pipeline services (feeds: `stats()` counts the Temporal calls made for SSE subscribers). */
  pipelines: PipelineApi;
  client: Client;
  dataDir: string;
  url(p: string): string;
  /** JSON request to the API: status and parsed body. */
  call(method: string, p: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

export const OPENAI_KEY = 'sk-pipeline-test';
export const ANTHROPIC_KEY = 'sk-ant-pipeline-test';

/** OpenAI answers every model and virtual model; `with-fallback` fails over to Anthropic. */
export const BASE_CONFIG = (openaiUrl: string) => `
providers:
  - name: openai
    kind: openai
    base_url: ${openaiUrl}/v1
    api_keys: [${OPENAI_KEY}]
routing:
  default_strategy: failover_chain
  retry: { max_attempts: 3, base_delay_ms: 20, max_delay_ms: 100, budget_ms: 2000 }
  groups:
    auto: [openai/gpt-4o]
    cb:balanced: [openai/gpt-4o]
    cb:cost-optimal: [openai/gpt-4o]
    cb:fastest: [openai/gpt-4o]
  models:
    with-fallback:
      primary: openai/gpt-4o
      fallback: [anthropic/claude-3-5-sonnet-latest]
`;

export async function startApiHarness(opts: { extraConfig?: string; env?: Record<string, string>; /** default 15 s */ feedLivenessMs?: number } = {}): Promise<ApiHarness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-pipelines-api-'));
  const env = await createTemporalTestEnv({ searchAttributes: PIPELINE_SEARCH_ATTRIBUTE_TYPES });
  const openai = await startOpenAIFake({ apiKeys: [OPENAI_KEY] });
  const anthropic = await startAnthropicFake({ apiKeys: [ANTHROPIC_KEY] });
  const configFile = path.join(dataDir, 'cb.yaml');
  fs.writeFileSync(configFile, BASE_CONFIG(openai.url) + (opts.extraConfig ?? ''));
  // What startGateway does, with the pipeline services opened here (to pass feedLivenessMs and keep a handle).
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    CB_CONFIG: configFile,
    CB_DATA_DIR: dataDir,
    ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    ANTHROPIC_BASE_URL: anthropic.url,
    ...opts.env,
  });
  const temporal = new TemporalClientManager({ address: env.address, namespace: 'default', checkIntervalMs: 500, probeTimeoutMs: 300 });
  temporal.start();
  const logger = createLogger('silent');
  const pipelines = await openPipelineApi({ config, temporal, logger, ...(opts.feedLivenessMs !== undefined ? { feedLivenessMs: opts.feedLivenessMs } : {}) });
  const api = await startApiServer({ config, temporal, logger, pipelines });
  const gw = {
    api,
    config,
    temporal,
    close: async () => {
      await api.close();
      await temporal.close();
    },
  };
  await gw.temporal.waitUntilReady(30_000);
  const nativeConnection = await NativeConnection.connect({ address: env.address });
  const connection = await Connection.connect({ address: env.address });
  const client = new Client({ connection, namespace: env.namespace });
  const runtime = new GatewayRuntime(config.providers, () => config.routing);
  const ledger = await openUsageLedger({ dataDir });
  const activities = createActivities({
    pipeline: {
      runtime,
      events: sharedEventLog({ redisUrl: config.redisUrl }),
      ledger,
      functions: FunctionRegistry.withBuiltIns({ httpAllowlist: ['127.0.0.1'] }),
    },
  });
  const worker: Worker = await createWorker({ connection: nativeConnection, namespace: env.namespace, taskQueue: config.temporal.taskQueue, activities });
  const workerRun = worker.run();
  const url = (p: string): string => `${gw.api.url}${p}`;
  return {
    env,
    openai,
    anthropic,
    gw,
    pipelines,
    client,
    dataDir,
    url,
    async call(method, p, body, headers = {}) {
      const r = await rawRequest(url(p), { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      return { status: r.status, body: (r.text ? r.json() : {}) as Record<string, unknown> };
    },
    async close() {
      await gw.close();
      worker.shutdown();
      await workerRun.catch(() => undefined);
      await connection.close();
      await nativeConnection.close();
      await ledger.close(); // process-wide (the API shares it); a Postgres pool would keep jest alive
      await openai.close();
      await anthropic.close();
      await env.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `fn` until it returns a value that is not undefined (visibility is eventually consistent). */
export async function eventually<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
