import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { type LimiterLogger, type LimiterStore, memoryStore, redisStore, type RedisStoreOptions } from './limiter-store';
import { type LimitKind, type LimitState, type RateLimitHeaders, writeLimitHeaders } from './ratelimit-headers';

export type { LimitKind, RateLimitHeaders } from './ratelimit-headers';
export type { LimiterLogger } from './limiter-store';

/** Requests and tokens per minute; an absent value means no limit. */
export interface LimitSpec {
  rpm?: number;
  tpm?: number;
}

/** Structurally `RoutingConfig['rate_limits']`. */
export interface ApiRateLimits {
  per_caller?: LimitSpec;
  global?: LimitSpec;
}

/** A provider's per-key ceilings (`ProviderSettings.rateLimits`), each of its `keys` counted apart. */
export interface ProviderKeyLimits extends LimitSpec {
  provider: string;
  keys: number;
}

export type LimitScope = 'caller' | 'global';

export type Admission =
  | { ok: true; headers: RateLimitHeaders }
  | {
      ok: false;
      retryAfterMs: number;
      headers: RateLimitHeaders;
      scope: LimitScope;
      kind: LimitKind;
      /** The refusing limit (per minute) and what this request asked of it. */
      limit: number;
      requested: number;
      /** The request alone exceeds the limit: it can never be admitted as it is. */
      tooLarge: boolean;
    };

export type KeyAdmission = { ok: true } | { ok: false; retryAfterMs: number };

export interface RateLimiter {
  /** Whether `admit` can refuse anything (some per-caller or global limit is configured). */
  readonly limitsCallers: boolean;
  /** Whether counters are shared through Redis. */
  readonly shared: boolean;
  /** Counts one request and `estimatedTokens` against the per-caller and global limits; refunds all on refusal. */
  admit(caller: string, estimatedTokens: number): Promise<Admission>;
  /** After the call: corrects the token counters by `actualTokens - estimatedTokens`. */
  settle(caller: string, estimatedTokens: number, actualTokens: number): Promise<void>;
  /** The same for one provider key's configured ceilings (ok when the provider has none). */
  admitKey(provider: string, keyIndex: number, estimatedTokens: number): Promise<KeyAdmission>;
  settleKey(provider: string, keyIndex: number, estimatedTokens: number, actualTokens: number): Promise<void>;
  /** Quits Redis. */
  close(): Promise<void>;
}

export interface RateLimiterOptions {
  limits: ApiRateLimits;
  providerLimits?: readonly ProviderKeyLimits[];
  /** Shared counters in Redis; unset → in-process. */
  redisUrl?: string;
  /** Prefix of every counter key (one per deployment, or per test run). Default `cb-rl`. */
  keyPrefix?: string;
  logger?: LimiterLogger;
  redis?: RedisStoreOptions;
}

/** Fixed windows of one minute. */
export const WINDOW_SECONDS = 60;

interface Counter {
  scope: LimitScope | 'key';
  kind: LimitKind;
  limit: number;
  limiter: RateLimiterAbstract;
}

interface Check {
  counter: Counter;
  key: string;
  points: number;
}

interface Outcome {
  check: Check;
  /** The counter's state after this consumption (undefined when the store failed: that counter is skipped). */
  res: RateLimiterRes | undefined;
  refused: boolean;
}

const silentLogger: LimiterLogger = { warn: () => undefined, info: () => undefined };

export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  const logger = opts.logger ?? silentLogger;
  const prefix = opts.keyPrefix ?? 'cb-rl';
  const needed = hasAny(opts.limits.per_caller) || hasAny(opts.limits.global) || (opts.providerLimits ?? []).some(hasAny);
  const store: LimiterStore = opts.redisUrl && needed ? redisStore(opts.redisUrl, logger, opts.redis) : memoryStore();
  const counters = (scope: LimitScope | 'key', spec: LimitSpec | undefined, name: string): Counter[] => {
    const out: Counter[] = [];
    const add = (kind: LimitKind, limit: number | undefined): void => {
      if (limit === undefined) return;
      const limiter = store.create(`${prefix}:${name}-${kind}`, limit, WINDOW_SECONDS);
      out.push({ scope, kind, limit, limiter });
    };
    add('requests', spec?.rpm);
    add('tokens', spec?.tpm);
    return out;
  };
  const callerCounters = counters('caller', opts.limits.per_caller, 'caller');
  const globalCounters = counters('global', opts.limits.global, 'global');
  const keyCounters = new Map<string, { keys: number; counters: Counter[] }>();
  for (const p of opts.providerLimits ?? []) {
    if (hasAny(p)) keyCounters.set(p.provider, { keys: p.keys, counters: counters('key', p, `key:${p.provider}`) });
  }

  const failOpen = (what: string, err: unknown): void => logger.warn(`Rate limits: ${what} failed, letting the request through: ${err instanceof Error ? err.message : String(err)}`);

  const apiChecks = (caller: string, tokens: number): Check[] => [
    ...callerCounters.map((counter) => ({ counter, key: caller, points: counter.kind === 'requests' ? 1 : tokens })),
    ...globalCounters.map((counter) => ({ counter, key: 'all', points: counter.kind === 'requests' ? 1 : tokens })),
  ];
  const keyChecks = (provider: string, keyIndex: number, tokens: number): Check[] => {
    const entry = keyCounters.get(provider);
    if (!entry) return [];
    if (!Number.isInteger(keyIndex) || keyIndex < 0 || keyIndex >= entry.keys) throw new RangeError(`${provider} has no key #${keyIndex}`);
    return entry.counters.map((counter) => ({ counter, key: String(keyIndex), points: counter.kind === 'requests' ? 1 : tokens }));
  };
  const tokenChecks = (checks: Check[], delta: number): Check[] => checks.filter((c) => c.counter.kind === 'tokens').map((c) => ({ ...c, points: delta }));

  return {
    limitsCallers: callerCounters.length + globalCounters.length > 0,
    shared: store.shared,

    async admit(caller, estimatedTokens) {
      const checks = apiChecks(caller, toPoints(estimatedTokens));
      if (checks.length === 0) return { ok: true, headers: {} };
      try {
        await store.ready;
        const outcomes = await consumeAll(checks);
        const refusal = bindingRefusal(outcomes);
        if (!refusal) return { ok: true, headers: headersOf(outcomes, false) };
        await refund(outcomes);
        const { counter, points } = refusal.check;
        return {
          ok: false,
          retryAfterMs: Math.max(1, refusal.res?.msBeforeNext ?? WINDOW_SECONDS * 1000),
          headers: headersOf(outcomes, true),
          scope: counter.scope === 'global' ? 'global' : 'caller',
          kind: counter.kind,
          limit: counter.limit,
          requested: points,
          tooLarge: points > counter.limit,
        };
      } catch (err) {
        failOpen('admission', err);
        return { ok: true, headers: {} };
      }
    },

    async settle(caller, estimatedTokens, actualTokens) {
      const delta = toPoints(actualTokens) - toPoints(estimatedTokens);
      if (delta === 0) return;
      await adjust(tokenChecks(apiChecks(caller, 0), delta)).catch((err: unknown) => failOpen('settling', err));
    },

    async admitKey(provider, keyIndex, estimatedTokens) {
      const checks = keyChecks(provider, keyIndex, toPoints(estimatedTokens));
      if (checks.length === 0) return { ok: true };
      try {
        await store.ready;
        const outcomes = await consumeAll(checks);
        const refusal = bindingRefusal(outcomes);
        if (!refusal) return { ok: true };
        await refund(outcomes);
        return { ok: false, retryAfterMs: Math.max(1, refusal.res?.msBeforeNext ?? WINDOW_SECONDS * 1000) };
      } catch (err) {
        failOpen('key admission', err);
        return { ok: true };
      }
    },

    async settleKey(provider, keyIndex, estimatedTokens, actualTokens) {
      const delta = toPoints(actualTokens) - toPoints(estimatedTokens);
      if (delta === 0) return;
      await adjust(tokenChecks(keyChecks(provider, keyIndex, 0), delta)).catch((err: unknown) => failOpen('settling', err));
    },

    close: () => store.close(),
  };
}

/** Consumes every check at once; a refusal still counted its points (rate-limiter-flexible increments first). */
async function consumeAll(checks: Check[]): Promise<Outcome[]> {
  return Promise.all(
    checks.map((check) =>
      check.counter.limiter.consume(check.key, check.points).then(
        (res): Outcome => ({ check, res, refused: false }),
        (err: unknown): Outcome => {
          if (err instanceof RateLimiterRes) return { check, res: err, refused: true };
          return { check, res: undefined, refused: false }; // store failure with no fallback: fail open for this counter
        },
      ),
    ),
  );
}

/** Of the refusing counters, the one that frees up last (the client must wait for it). */
function bindingRefusal(outcomes: Outcome[]): Outcome | undefined {
  let worst: Outcome | undefined;
  for (const o of outcomes) {
    if (o.refused && (!worst || (o.res?.msBeforeNext ?? 0) > (worst.res?.msBeforeNext ?? 0))) worst = o;
  }
  return worst;
}

/** Gives back what this call consumed (refused consumptions included). */
async function refund(outcomes: Outcome[]): Promise<void> {
  await Promise.all(outcomes.filter((o) => o.res && o.check.points > 0).map((o) => o.check.counter.limiter.reward(o.check.key, o.check.points).catch(() => undefined)));
}

/** Adds (penalty) or gives back (reward) `points` on each check's counter. */
async function adjust(checks: Check[]): Promise<void> {
  await Promise.all(
    checks.map((c) => (c.points > 0 ? c.counter.limiter.penalty(c.key, c.points) : c.counter.limiter.reward(c.key, -c.points))),
  );
}

/** Per kind, the tightest limit (fewest remaining); after a refund, remaining excludes this request. */
function headersOf(outcomes: Outcome[], refunded: boolean): RateLimitHeaders {
  const headers: RateLimitHeaders = {};
  for (const kind of ['requests', 'tokens'] as const) {
    let tightest: LimitState | undefined;
    for (const o of outcomes) {
      if (o.check.counter.kind !== kind || !o.res) continue;
      const used = o.res.consumedPoints - (refunded ? o.check.points : 0);
      const state = { limit: o.check.counter.limit, remaining: Math.max(0, o.check.counter.limit - used), resetMs: Math.max(0, o.res.msBeforeNext) };
      if (!tightest || state.remaining < tightest.remaining) tightest = state;
    }
    if (tightest) writeLimitHeaders(headers, kind, tightest);
  }
  return headers;
}

function toPoints(tokens: number): number {
  return Number.isFinite(tokens) && tokens > 0 ? Math.ceil(tokens) : 0;
}

function hasAny(spec: LimitSpec | undefined): boolean {
  return spec?.rpm !== undefined || spec?.tpm !== undefined;
}
