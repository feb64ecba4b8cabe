import type * as IoRedis from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';

/** What the limiter logs (a pino logger fits). */
export interface LimiterLogger {
  warn(msg: string): void;
  info(msg: string): void;
}

/** Where the counters live: this process's memory, or Redis shared by every API process. */
export interface LimiterStore {
  readonly shared: boolean;
  /** One fixed-window counter family: `points` per `durationSec`, keys under `keyPrefix`. */
  create(keyPrefix: string, points: number, durationSec: number): RateLimiterAbstract;
  /** Settles once the first connection attempt did (at once for memory): admissions wait for it. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export function memoryStore(): LimiterStore {
  return {
    shared: false,
    create: (keyPrefix, points, duration) => new RateLimiterMemory({ keyPrefix, points, duration }),
    ready: Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

export interface RedisStoreOptions {
  /** A Redis command slower than this counts as Redis being down (default 250 ms). */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Minimum time between two "Redis unavailable" warnings (default 30 s). */
  warnEveryMs?: number;
}

/**
 * Counters in Redis (atomic INCRBY + TTL script of `RateLimiterRedis`), so every API process sharing the URL
 * enforces one limit. Redis must never take the gateway down: commands are not queued while disconnected
 * (`enableOfflineQueue: false`) and time out quickly; any failing or slow command falls back to an in-process
 * counter with the same limit (rate-limiter-flexible's insurance limiter) — the limit then holds per process,
 * not across processes — and a warning is logged (at most every `warnEveryMs`). ioredis reconnects in the
 * background and shared counting resumes by itself.
 */
export function redisStore(url: string, logger: LimiterLogger, opts: RedisStoreOptions = {}): LimiterStore {
  const warnEvery = opts.warnEveryMs ?? 30_000;
  let lastWarn = -Infinity;
  let degraded = false;
  const degrade = (why: string): void => {
    degraded = true;
    const now = Date.now();
    if (now - lastWarn < warnEvery) return;
    lastWarn = now;
    logger.warn(`Rate limits: Redis unavailable (${why}); counting in this process only until it is back`);
  };
  // Loaded only when Redis is configured: an in-process gateway never pays for the client (memory).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Redis } = require('ioredis') as typeof IoRedis;
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    commandTimeout: opts.commandTimeoutMs ?? 250,
    connectTimeout: opts.connectTimeoutMs ?? 1_000,
    disconnectTimeout: 200,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  client.on('error', (err: Error) => degrade(err.message));
  client.on('ready', () => {
    if (!degraded) return;
    degraded = false;
    logger.info('Rate limits: Redis is reachable again; counters are shared again');
  });
  const ready = client.connect().then(
    () => undefined,
    (err: unknown) => degrade(err instanceof Error ? err.message : String(err)),
  );
  return {
    shared: true,
    create: (keyPrefix, points, duration) =>
      new RateLimiterRedis({
        storeClient: client,
        keyPrefix,
        points,
        duration,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new FallbackLimiter({ keyPrefix, points, duration }, () => degrade('command failed or timed out')),
      }),
    ready,
    async close() {
      if (client.status === 'ready') {
        await client.quit().catch(() => client.disconnect());
      } else client.disconnect();
    },
  };
}

/** The in-process insurance counter; tells the store each time it had to stand in for Redis. */
class FallbackLimiter extends RateLimiterMemory {
  constructor(
    opts: { keyPrefix: string; points: number; duration: number },
    private readonly onUse: () => void,
  ) {
    super(opts);
  }
  override consume(...args: Parameters<RateLimiterMemory['consume']>): ReturnType<RateLimiterMemory['consume']> {
    this.onUse();
    return super.consume(...args);
  }
}
