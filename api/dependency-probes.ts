/**
 * Readiness of the shared stores a process is configured with: Redis (`REDIS_URL`: rate limits, pipeline events)
 * and Postgres (`DATABASE_URL`: definitions, ledger). Each probe is a real round trip (Redis `PING`, Postgres
 * `SELECT 1`) bounded by a timeout; answers are cached for a moment so `/ready` polling costs the stores nothing.
 */
import net from 'node:net';
import type * as PgModule from 'pg';

export interface DependencyProbe {
  name: string;
  /** undefined when ready, else why not. */
  check(): Promise<string | undefined>;
}

const TIMEOUT_MS = 1_000;
const CACHE_MS = 2_000;

function cached(name: string, check: () => Promise<string | undefined>): DependencyProbe {
  let last: { at: number; result: Promise<string | undefined> } | undefined;
  return {
    name,
    check() {
      const now = Date.now();
      if (!last || now - last.at > CACHE_MS) last = { at: now, result: check().catch((err: unknown) => (err instanceof Error ? err.message : String(err))) };
      return last.result;
    },
  };
}

/** `PING` over a fresh connection: `+PONG` (or a `-NOAUTH` that still proves a Redis answers) within the timeout. */
export function redisProbe(redisUrl: string): DependencyProbe {
  const u = new URL(redisUrl);
  const port = Number(u.port || 6379);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return cached('redis', () => {
    if (u.protocol === 'rediss:') return Promise.resolve(undefined); // TLS: left to the clients that use it
    return new Promise<string | undefined>((resolve) => {
      const socket = net.connect({ host, port });
      const done = (why: string | undefined): void => {
        socket.destroy();
        resolve(why);
      };
      socket.setTimeout(TIMEOUT_MS, () => done(`no answer from ${host}:${port} within ${TIMEOUT_MS} ms`));
      socket.once('error', (err) => done(`${host}:${port}: ${err.message}`));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (d: Buffer) => done(/^[+-]/.test(d.toString()) ? undefined : 'unexpected answer to PING'));
    });
  });
}

/** `SELECT 1` over a fresh connection within the timeout. */
export function postgresProbe(databaseUrl: string): DependencyProbe {
  return cached('postgres', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Client } = require('pg') as typeof PgModule;
    const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: TIMEOUT_MS, query_timeout: TIMEOUT_MS });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } finally {
      await client.end().catch(() => undefined);
    }
  });
}

export function dependencyProbes(opts: { redisUrl?: string; databaseUrl?: string }): DependencyProbe[] {
  return [...(opts.redisUrl ? [redisProbe(opts.redisUrl)] : []), ...(opts.databaseUrl ? [postgresProbe(opts.databaseUrl)] : [])];
}
