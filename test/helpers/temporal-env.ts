import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { getFreePort, startDevServer, type DevServer } from '../../temporal/dev-server';
import { ensureTemporalCli } from '../../temporal/temporal-cli';

/**
 * One real Temporal dev server per test file (headless, random free port). With `persistent: true` it uses a
 * SQLite file in a temp dir, so `stop()` + `start()` is a server restart that keeps all workflow state.
 */
export interface TemporalTestEnv {
  address: string;
  port: number;
  namespace: string;
  /** The SQLite file, or undefined for an in-memory server. */
  dbFilename: string | undefined;
  /** Starts the server (again) on the same port and file. No-op when running. */
  start(): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL). No-op when stopped. */
  stop(): Promise<void>;
  /** Stops the server and removes the temp dir; call in afterAll. */
  dispose(): Promise<void>;
}

/** SDK logs at WARN and above only (the default INFO prints every worker state change). */
export function quietTemporalRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed in this module registry
  }
}

export async function createTemporalTestEnv(
  options: { persistent?: boolean; started?: boolean; /** name → type, e.g. { CbDefinition: 'Keyword' } */ searchAttributes?: Record<string, string> } = {},
): Promise<TemporalTestEnv> {
  quietTemporalRuntime();
  const cliPath = await ensureTemporalCli();
  const port = await getFreePort();
  const tmpDir = options.persistent ? fs.mkdtempSync(path.join(os.tmpdir(), 'cb-temporal-')) : undefined;
  const dbFilename = tmpDir ? path.join(tmpDir, 'temporal.db') : undefined;
  const namespace = 'default';
  let server: DevServer | undefined;

  const env: TemporalTestEnv = {
    address: `127.0.0.1:${port}`,
    port,
    namespace,
    dbFilename,
    async start() {
      if (server) return;
      server = await startDevServer({
        cliPath,
        port,
        namespace,
        headless: true,
        startTimeoutMs: 90_000,
        ...(dbFilename ? { dbFilename } : {}),
        ...(options.searchAttributes ? { searchAttributes: options.searchAttributes } : {}),
      });
    },
    async stop() {
      const s = server;
      server = undefined;
      await s?.stop();
    },
    async dispose() {
      await env.stop();
      if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
    },
  };
  if (options.started !== false) await env.start();
  return env;
}

/** Polls `predicate` every 100 ms until it is true; throws with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
