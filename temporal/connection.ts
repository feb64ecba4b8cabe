/**
 * TemporalClientManager: one lazily connected Temporal Client plus a live reachability status
 * (Node-only; never import from workflow code). The API's /ready reads `status()`; request handlers call
 * `getClient()`, which throws TemporalUnavailableError while the frontend does not answer.
 */
import type * as TemporalClientModule from '@temporalio/client';
import type { Client, Connection } from '@temporalio/client';
import { TemporalUnavailableError } from './errors';
import { checkGrpcHealth } from './grpc-health';

export { TemporalUnavailableError } from './errors';

/** Just what we log; a pino logger fits. */
export interface TemporalLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface TemporalClientManagerOptions {
  /** host:port of the Temporal frontend. */
  address: string;
  namespace: string;
  /** Re-check interval while reachable, and the backoff cap while not; default 5000 ms. */
  checkIntervalMs?: number;
  /** Deadline of one reachability probe; default 3000 ms. */
  probeTimeoutMs?: number;
  logger?: TemporalLogger;
}

export interface TemporalStatus {
  ready: boolean;
  address: string;
  namespace: string;
  error?: string;
}

const FIRST_RETRY_MS = 250;

export class TemporalClientManager {
  readonly address: string;
  readonly namespace: string;
  private readonly checkIntervalMs: number;
  private readonly probeTimeoutMs: number;
  private readonly logger: TemporalLogger | undefined;

  private connection: Connection | undefined;
  private client: Client | undefined;
  private ready = false;
  private lastError: string | undefined = 'not connected yet';
  private loop: Promise<void> | undefined;
  private closed = false;
  private wake: (() => void) | undefined;
  private readyWaiters = new Set<() => void>();

  constructor(options: TemporalClientManagerOptions) {
    this.address = options.address;
    this.namespace = options.namespace;
    this.checkIntervalMs = options.checkIntervalMs ?? 5_000;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 3_000;
    this.logger = options.logger;
  }

  /**
   * Starts watching reachability in the background (gRPC health check, retry with backoff, then a periodic
   * re-check). Never throws. The Temporal client library itself is loaded on the first getClient(), so a
   * process that only serves completions never pays for it.
   */
  start(): void {
    if (this.loop || this.closed) return;
    this.loop = this.run();
  }

  /** The Client, or TemporalUnavailableError while Temporal does not answer. Call it per use; don't cache. */
  getClient(): Client {
    if (!this.ready) throw new TemporalUnavailableError(this.address, this.lastError ?? 'not connected yet');
    this.client ??= this.createClient();
    return this.client;
  }

  private createClient(): Client {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately lazy (memory, async hooks)
    const sdk = require('@temporalio/client') as typeof TemporalClientModule;
    this.connection = sdk.Connection.lazy({
      address: this.address,
      connectTimeout: this.probeTimeoutMs,
      // Reconnect quickly after a server restart (grpc-js defaults back off up to 2 minutes).
      channelArgs: { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 2_000 },
    });
    return new sdk.Client({ connection: this.connection, namespace: this.namespace });
  }

  status(): TemporalStatus {
    const s: TemporalStatus = { ready: this.ready, address: this.address, namespace: this.namespace };
    if (!this.ready && this.lastError) s.error = this.lastError;
    return s;
  }

  /** Resolves once ready; rejects with TemporalUnavailableError after `timeoutMs`. Starts the manager if needed. */
  async waitUntilReady(timeoutMs = 30_000): Promise<void> {
    this.start();
    if (this.ready) return;
    let onReady: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        onReady = resolve;
        this.readyWaiters.add(resolve);
        timer = setTimeout(() => {
          reject(new TemporalUnavailableError(this.address, `${this.lastError ?? 'no answer'} (waited ${timeoutMs} ms)`));
        }, timeoutMs);
      });
    } finally {
      if (onReady) this.readyWaiters.delete(onReady);
      clearTimeout(timer);
    }
  }

  /** Probes now instead of at the next interval (e.g. after a request failed); resolves to the new readiness. */
  async refresh(): Promise<boolean> {
    if (this.closed) return false;
    await this.probe();
    return this.ready;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ready = false;
    this.lastError = 'closed';
    this.wake?.();
    await this.loop;
    await this.connection?.close().catch(() => undefined);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      await this.probe();
      if (this.closed) break;
      failures = this.ready ? 0 : failures + 1;
      const delay = this.ready
        ? this.checkIntervalMs
        : Math.min(this.checkIntervalMs, FIRST_RETRY_MS * 2 ** Math.min(failures - 1, 10));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private async probe(): Promise<void> {
    try {
      await checkGrpcHealth(this.address, this.probeTimeoutMs);
      if (this.closed) return;
      if (!this.ready) this.logger?.info(`Temporal is reachable at ${this.address} (namespace ${this.namespace})`);
      this.ready = true;
      this.lastError = undefined;
      for (const waiter of this.readyWaiters) waiter();
    } catch (err) {
      if (this.closed) return;
      const message = errorMessage(err);
      if (this.ready || this.lastError === 'not connected yet') {
        this.logger?.warn(`Temporal is not reachable at ${this.address}: ${message} (retrying)`);
      }
      this.ready = false;
      this.lastError = message;
    }
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
