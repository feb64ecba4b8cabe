import OpenAI from 'openai';
import type { Logger } from 'pino';
import { type ApiServer, startApiServer } from '../../api/server';
import { type AppConfig, loadConfig } from '../../config/load-config';
import { createLogger } from '../../config/logger';
import { TemporalClientManager } from '../../temporal/connection';

/**
 * Starts the real API server (same code as `npm start`) on a free loopback port, configured from an env map
 * exactly as a user would configure it. Temporal points at `temporalAddress` (default: a closed port, so
 * the API runs with Temporal unreachable — completions must not care).
 */
export interface GatewayHarness {
  api: ApiServer;
  config: AppConfig;
  temporal: TemporalClientManager;
  /** An official OpenAI SDK client pointed at the gateway (SDK retries off so tests see every answer). */
  client(opts?: { apiKey?: string; baseURL?: string }): OpenAI;
  close(): Promise<void>;
}

export async function startGateway(
  env: Record<string, string>,
  opts: { temporalAddress?: string; logger?: Logger } = {},
): Promise<GatewayHarness> {
  const temporalAddress = opts.temporalAddress ?? '127.0.0.1:1';
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', CB_DATA_DIR: '/tmp/cb-test-data', ...env });
  const temporal = new TemporalClientManager({ address: temporalAddress, namespace: 'default', checkIntervalMs: 500, probeTimeoutMs: 300 });
  temporal.start();
  const api = await startApiServer({ config, temporal, logger: opts.logger ?? createLogger('silent') });
  return {
    api,
    config,
    temporal,
    client: (opts = {}) => new OpenAI({ apiKey: opts.apiKey ?? 'unused', baseURL: opts.baseURL ?? `${api.url}/v1`, maxRetries: 0, timeout: 20_000 }),
    close: async () => {
      await api.close();
      await temporal.close();
    },
  };
}

/** Raw HTTP to the gateway, for what the SDK hides (headers, bad bodies). */
export async function rawRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const res = await fetch(url, { method: init.method ?? 'POST', headers: { 'content-type': 'application/json', ...init.headers }, body: init.body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}
