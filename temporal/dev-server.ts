/**
 * Launches `temporal server start-dev` as a child process (Node-only; never import from workflow code).
 * Waits until the gRPC frontend really answers, and makes sure the child never outlives this process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';

export interface DevServerOptions {
  /** The Temporal CLI binary (see temporal-cli.ts). */
  cliPath: string;
  /** SQLite file for persistent state; undefined → everything in memory (lost when the server stops). */
  dbFilename?: string;
  /** gRPC frontend port. */
  port: number;
  /** Web UI port; default port + 1000. Ignored when headless. */
  uiPort?: number;
  /** Interface to bind; default 127.0.0.1. */
  ip?: string;
  /** Namespace to create and wait for; default 'default' (always created by the dev server). */
  namespace?: string;
  /** Disable the Web UI. */
  headless?: boolean;
  /** Search attributes to register: name → type (Keyword, Text, Int, Double, Bool, Datetime, KeywordList). */
  searchAttributes?: Record<string, string>;
  /** Server log level; default 'warn'. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'never';
  /** How long to wait for the frontend to answer; default 60 s. */
  startTimeoutMs?: number;
}

export interface DevServer {
  /** host:port of the gRPC frontend. */
  address: string;
  /** Web UI URL, undefined when headless. */
  uiUrl: string | undefined;
  /** PID of the server process. */
  pid: number;
  /** Resolves with a description (e.g. 'exit code 1', 'signal SIGTERM') when the process has ended. */
  exited: Promise<string>;
  /** SIGTERM, wait up to `graceMs` (default 10 s), then SIGKILL. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

const TAIL_BYTES = 4096;

/** Resolves true when nothing listens on ip:port (we could bind it), false on EADDRINUSE. */
export function isPortFree(port: number, ip = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(false);
      else reject(err);
    });
    srv.listen({ port, host: ip, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port the OS reports free right now (for tests and random-port setups). */
export function getFreePort(ip = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ port: 0, host: ip }, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function connectHost(ip: string): string {
  if (ip === '0.0.0.0' || ip === '::' || ip === '') return '127.0.0.1';
  return ip.includes(':') ? `[${ip}]` : ip;
}

async function assertPortFree(port: number, ip: string, what: string): Promise<void> {
  if (!(await isPortFree(port, ip))) {
    throw new Error(
      `Cannot start the Temporal dev server: ${what} port ${ip}:${port} is already in use by another process. ` +
        'Stop that process (an earlier `temporal server start-dev` may still be running), choose other ports ' +
        '(TEMPORAL_DEV_PORT / TEMPORAL_UI_PORT), or point TEMPORAL_ADDRESS at an existing Temporal server.',
    );
  }
}

function buildArgs(o: Required<Pick<DevServerOptions, 'port' | 'ip' | 'namespace' | 'logLevel'>> & DevServerOptions, uiPort: number): string[] {
  const args = ['server', 'start-dev', '--port', String(o.port), '--ip', o.ip, '--log-level', o.logLevel];
  if (o.dbFilename) args.push('--db-filename', o.dbFilename);
  if (o.namespace !== 'default') args.push('--namespace', o.namespace);
  if (o.headless) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  for (const [name, type] of Object.entries(o.searchAttributes ?? {})) args.push('--search-attribute', `${name}=${type}`);
  return args;
}

/** Starts the dev server and resolves once its frontend answers for `namespace`. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const opts = { ip: '127.0.0.1', namespace: 'default', logLevel: 'warn' as const, ...options };
  const uiPort = opts.uiPort ?? opts.port + 1000;
  const host = connectHost(opts.ip);
  const address = `${host}:${opts.port}`;
  const uiUrl = opts.headless ? undefined : `http://${host}:${uiPort}`;

  await assertPortFree(opts.port, opts.ip, 'gRPC');
  if (!opts.headless) await assertPortFree(uiPort, opts.ip, 'Web UI');
  if (opts.dbFilename) fs.mkdirSync(path.dirname(path.resolve(opts.dbFilename)), { recursive: true });

  // Own process group: a terminal Ctrl-C reaches only us, so we can stop API → worker → server in order.
  const child = spawn(opts.cliPath, buildArgs(opts, uiPort), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let tail = '';
  const keepTail = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);

  let exited = false;
  let exitInfo = '';
  let markExited: () => void = () => undefined;
  const exitPromise = new Promise<void>((resolve) => {
    markExited = () => {
      exited = true;
      resolve();
    };
  });
  child.once('exit', (code, signal) => {
    exitInfo = signal ? `signal ${signal}` : `exit code ${String(code)}`;
    markExited();
  });
  const spawnError = new Promise<Error>((resolve) =>
    child.once('error', (err) => {
      // A failed spawn (e.g. ENOENT) emits no 'exit'.
      if (child.pid === undefined) markExited();
      resolve(err);
    }),
  );

  // Never let the server outlive us (normal stop() removes this hook).
  const onExit = (): void => {
    if (!exited) child.kill('SIGKILL');
  };
  process.on('exit', onExit);

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 10_000): Promise<void> => {
    stopping ??= (async () => {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
        if ((await Promise.race([exitPromise, timer])) === 'timeout' && !exited) {
          child.kill('SIGKILL');
          await exitPromise;
        }
      }
      process.removeListener('exit', onExit);
    })();
    return stopping;
  };

  try {
    await waitUntilServing(child, address, opts.namespace, opts.startTimeoutMs ?? 60_000, () => exited, spawnError);
  } catch (err) {
    await stop(2_000);
    const why = err instanceof Error ? err.message : String(err);
    const status = exitInfo ? ` (server process ended: ${exitInfo})` : '';
    throw new Error(
      `Temporal dev server did not start at ${address}${status}: ${why}\n` +
        `Command: ${opts.cliPath} ${buildArgs(opts, uiPort).join(' ')}\n` +
        `Server output (tail):\n${tail.trim() || '(none)'}`,
    );
  }
  return { address, uiUrl, pid: child.pid ?? -1, exited: exitPromise.then(() => exitInfo || 'ended'), stop };
}

async function waitUntilServing(
  child: ChildProcess,
  address: string,
  namespace: string,
  timeoutMs: number,
  hasExited: () => boolean,
  spawnError: Promise<Error>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer yet';
  let failed: Error | undefined;
  void spawnError.then((e) => {
    failed = e;
  });
  while (Date.now() < deadline) {
    if (failed) throw new Error(`could not run ${child.spawnfile}: ${failed.message}`);
    if (hasExited()) throw new Error('the server process exited during start-up');
    const connection = Connection.lazy({ address, connectTimeout: 1_000 });
    try {
      await connection.withDeadline(Date.now() + 2_000, () =>
        connection.workflowService.describeNamespace({ namespace }),
      );
      return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    } finally {
      await connection.close().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for the frontend (last error: ${lastError})`);
}
