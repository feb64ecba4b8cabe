/**
 * Process-wide worker plumbing: the Temporal Runtime (logging, no automatic signal handling — our entry
 * points own shutdown order) and a NativeConnection that waits for the server.
 */
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger as PinoLogger } from 'pino';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Installs the Temporal Runtime once: SDK logs (and forwarded core logs) go to `logger`, and the Runtime does
 * not shut workers down on signals by itself. Call before creating any NativeConnection or Worker.
 */
export function installWorkerRuntime(logger: PinoLogger, level: LogLevel = 'WARN'): void {
  try {
    Runtime.install({
      logger: new DefaultLogger(level, (entry) => {
        logger[PINO_LEVEL[entry.level]]({ ...entry.meta, sdk: 'temporal' }, entry.message);
      }),
      telemetryOptions: { logging: { filter: { core: level, other: 'ERROR' }, forward: {} } },
      shutdownSignals: [],
    });
  } catch (err) {
    // Already installed (e.g. by an earlier call): keep the first one.
    logger.debug({ err }, 'Temporal Runtime already installed');
  }
}

export interface ConnectWithRetryOptions {
  address: string;
  logger: PinoLogger;
  /** Stop trying when aborted (rejects with the abort reason). */
  signal?: AbortSignal;
  /** Log a "waiting" line at most this often; default 5000 ms. */
  logEveryMs?: number;
}

/** Connects a NativeConnection, retrying with backoff (0.5 s → 5 s) until the server answers. */
export async function connectNativeWithRetry(options: ConnectWithRetryOptions): Promise<NativeConnection> {
  const { address, logger, signal } = options;
  const logEveryMs = options.logEveryMs ?? 5_000;
  let delay = 500;
  let lastLog = 0;
  for (;;) {
    signal?.throwIfAborted();
    try {
      return await NativeConnection.connect({ address });
    } catch (err) {
      if (Date.now() - lastLog >= logEveryMs) {
        lastLog = Date.now();
        logger.warn(`Waiting for Temporal at ${address}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, delay);
      signal?.addEventListener('abort', done, { once: true });
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
    });
    delay = Math.min(delay * 2, 5_000);
  }
}
