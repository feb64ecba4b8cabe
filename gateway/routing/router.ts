import type { CallOptions, ChatStream } from '../core/chat-model';
import type { ChatResult, StreamPart, Usage } from '../core/chat-result';
import { GatewayError } from '../core/errors';
import { type Redact, redactError } from '../core/redact';
import { backoffDelay, sleep as realSleep } from './backoff';
import { type Clock, systemClock } from './clock';
import type { CircuitBreaker } from './circuit-breaker';
import type { KeyPool } from './key-pool';
import type { ModelRegistry } from './model-registry';
import { type Candidate, planRoute, type RoutePlan, type RouteRequest } from './route-planner';
import type { RoutingConfig } from './routing-config';
import type { RoundRobinState } from './strategies';
import type { PriceTable } from '../usage/price-table';
import { estimateTokens } from '../rate-limits/estimate-tokens';

/**
 * The executor: runs one request over its route plan. Per attempt it takes a candidate whose circuit allows
 * a call and a usable key, calls it, and on failure decides by data (`routing.retry.on_status_codes`, the
 * error's status) whether to rotate the key (401/403/429), move on (retryable, 404), or stop (the request's
 * own fault). When a round over all candidates fails it backs off (exponential, jitter, Retry-After) within
 * the retry budget, then answers 503 (or 429 when every key is rate-limited) with Retry-After.
 * Streams fail over only until their first part arrived: after that the caller owns the stream.
 */

export interface AttemptRecord {
  ref: string;
  provider: string;
  keyIndex: number;
  /** HTTP status of the failure, or 200. */
  status: number;
  error?: string;
  ms: number;
}

export interface Routed<T> {
  value: T;
  candidate: Candidate;
  plan: RoutePlan;
  attempts: AttemptRecord[];
  /** True when the answer came from another candidate than the plan's first. */
  fallback: boolean;
}

/** Optional per-key ceilings (configured rpm/tpm per provider key). */
export interface KeyLimiter {
  admitKey(provider: string, keyIndex: number, estimatedTokens: number): Promise<{ ok: true } | { ok: false; retryAfterMs: number }>;
  settleKey(provider: string, keyIndex: number, estimatedTokens: number, actualTokens: number): Promise<void>;
}

export interface RouterDeps {
  registry: ModelRegistry;
  /** Getter: the routing config may be hot-reloaded. */
  config: () => RoutingConfig;
  circuits: CircuitBreaker;
  keyPools: ReadonlyMap<string, KeyPool>;
  prices: PriceTable;
  rr: RoundRobinState;
  clock?: Clock;
  keyLimiter?: KeyLimiter;
  /** Removes configured secrets from upstream text before it is remembered or passed on (default: nothing to remove). */
  redact?: Redact;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export interface RouteCallOptions {
  signal: AbortSignal;
  requestId?: string;
  /**
   * One pass over the candidates (failover across targets and keys, no backoff sleeps, no second round):
   * for callers whose own retry policy owns the backoff between passes — Temporal, for agent turns. The
   * error then carries `retryAfterMs` only when something asked for a wait (Retry-After, a circuit reopening).
   */
  singlePass?: boolean;
}

interface AttemptResult<T> {
  value: T;
  headers?: Record<string, string>;
  latencyMs: number;
  ttftMs?: number;
  /** Known usage (non-streaming), to correct per-key token ceilings. */
  usage?: Usage;
  /** Streams: success/failure is recorded when the stream ends, not at the first part. */
  deferVerdict?: boolean;
}

type Outcome = 'fatal' | 'aborted' | 'key-auth' | 'key-rate' | 'missing' | 'retryable';

export class Router {
  private readonly clock: Clock;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly deps: RouterDeps) {
    this.clock = deps.clock ?? systemClock;
    this.sleep = deps.sleep ?? realSleep;
  }

  async plan(req: RouteRequest): Promise<RoutePlan> {
    const { registry, circuits, prices, rr } = this.deps;
    return planRoute(req, { registry, config: this.deps.config(), circuits, prices, rr });
  }

  generate(req: RouteRequest, opts: RouteCallOptions): Promise<Routed<ChatResult>> {
    return this.run(req, opts, async (c, call) => {
      const started = this.clock.now();
      const result = await c.model.generate(req.request, call);
      return { value: result, headers: result.headers, usage: result.usage, latencyMs: this.clock.now() - started };
    });
  }

  /** Resolves once the chosen upstream produced its first part (before that, failures fail over). */
  stream(req: RouteRequest, opts: RouteCallOptions): Promise<Routed<ChatStream>> {
    const firstTokenMs = this.deps.config().timeouts.first_token_ms;
    return this.run(req, opts, async (c, call, ref) => {
      const started = this.clock.now();
      const attempt = linkedController(call.signal);
      const timer = setTimeout(() => {
        attempt.abort(new GatewayError({ status: 504, type: 'timeout_error', code: 'first_token_timeout', provider: c.provider.settings.name, message: `${c.provider.settings.name}: no first token within ${firstTokenMs} ms` }));
      }, firstTokenMs);
      try {
        const upstream = await c.model.stream(req.request, { ...call, signal: attempt.signal });
        const it = upstream[Symbol.asyncIterator]();
        const first = await it.next();
        clearTimeout(timer);
        const ttftMs = this.clock.now() - started;
        const stream = this.committed(upstream, it, first, ref, started, ttftMs, attempt);
        return { value: stream, headers: upstream.headers, latencyMs: ttftMs, ttftMs, deferVerdict: true };
      } catch (err) {
        clearTimeout(timer);
        attempt.dispose();
        throw attempt.signal.aborted && !call.signal?.aborted && attempt.signal.reason instanceof GatewayError ? attempt.signal.reason : err;
      }
    });
  }

  private async run<T>(
    req: RouteRequest,
    opts: RouteCallOptions,
    call: (c: Candidate, options: CallOptions, ref: string) => Promise<AttemptResult<T>>,
  ): Promise<Routed<T>> {
    const cfg = this.deps.config();
    const plan = await this.plan(req);
    const candidates = plan.allowFallbacks ? plan.candidates : plan.candidates.slice(0, 1);
    const deadline = this.clock.now() + cfg.timeouts.request_ms;
    const budgetEnd = this.clock.now() + cfg.retry.budget_ms;
    const attempts: AttemptRecord[] = [];
    const notBefore = new Map<string, number>(); // per target, from Retry-After, for this request
    const gone = new Set<string>(); // targets that cannot serve this request (404, Retry-After too long)
    let last: GatewayError | undefined;
    let allRateLimited = true;
    /** Why candidates were skipped without a call: keys rate-limited, or every key rejected (401/403). */
    const blocked = { rateLimited: false, authRejected: false };
    let estimate: number | undefined; // computed once, only when some provider key has configured ceilings

    for (let round = 0; ; round++) {
      let earliest = Number.POSITIVE_INFINITY;
      for (const c of candidates) {
        if (gone.has(c.ref)) continue;
        const wait = notBefore.get(c.ref);
        if (wait !== undefined && wait > this.clock.now()) {
          earliest = Math.min(earliest, wait);
          continue;
        }
        const pool = this.deps.keyPools.get(c.provider.settings.name);
        const triedKeys = new Set<number>();
        // Rotate through this candidate's keys on key-level failures; anything else moves to the next candidate.
        for (;;) {
          if (attempts.length >= cfg.retry.max_attempts || this.clock.now() >= deadline) return this.giveUp(req, attempts, last, allRateLimited, earliest, blocked);
          const key = pool ? pool.acquire(triedKeys) : triedKeys.has(-1) ? undefined : { index: -1, key: undefined };
          if (!key) {
            const at = pool?.nextAvailableAt();
            if (at !== undefined) {
              earliest = Math.min(earliest, at);
              blocked.rateLimited = true;
            } else if (pool && pool.snapshot().every((k) => k.state === 'disabled')) blocked.authRejected = true;
            break;
          }
          triedKeys.add(key.index);
          if (!this.deps.circuits.tryAcquire(c.ref)) {
            const at = this.deps.circuits.reopensAt(c.ref);
            if (at !== undefined) earliest = Math.min(earliest, at);
            break;
          }
          const limiter = c.provider.settings.rateLimits && key.index >= 0 ? this.deps.keyLimiter : undefined;
          if (limiter) {
            estimate ??= estimateTokens(req.request);
            const ok = await limiter.admitKey(c.provider.settings.name, key.index, estimate);
            if (!ok.ok) {
              this.deps.circuits.release(c.ref);
              pool?.markRateLimited(key.index, ok.retryAfterMs, 'configured per-key ceiling');
              continue;
            }
          }
          const started = this.clock.now();
          try {
            const r = await call(c, { signal: opts.signal, requestId: opts.requestId, apiKey: key.key }, c.ref);
            attempts.push({ ref: c.ref, provider: c.provider.settings.name, keyIndex: key.index, status: 200, ms: this.clock.now() - started });
            if (!r.deferVerdict) this.deps.circuits.recordSuccess(c.ref, { latencyMs: r.latencyMs, ttftMs: r.ttftMs });
            if (key.index >= 0) pool?.recordSuccess(key.index, r.headers ? c.provider.readRateLimit?.(r.headers) : undefined);
            if (limiter && estimate !== undefined && r.usage) void limiter.settleKey(c.provider.settings.name, key.index, estimate, r.usage.totalTokens);
            return { value: r.value, candidate: c, plan, attempts, fallback: c.ref !== candidates[0]?.ref };
          } catch (err) {
            if (!(err instanceof GatewayError)) {
              // Not an upstream's answer: every upstream outcome (status, reset, timeout) arrives as a GatewayError.
              // Whatever else failed was ours or the request's, never the target's health.
              this.deps.circuits.release(c.ref);
              throw err;
            }
            const e = this.deps.redact ? redactError(err, this.deps.redact) : err;
            attempts.push({ ref: c.ref, provider: c.provider.settings.name, keyIndex: key.index, status: e.status, error: e.message, ms: this.clock.now() - started });
            const outcome = opts.signal.aborted ? 'aborted' : classify(e, cfg.retry.on_status_codes);
            if (outcome !== 'key-rate') allRateLimited = false;
            last = e;
            switch (outcome) {
              case 'aborted':
                this.deps.circuits.release(c.ref);
                throw e;
              case 'fatal':
                this.deps.circuits.release(c.ref);
                throw withAttempts(e, attempts);
              case 'key-auth':
                this.deps.circuits.release(c.ref);
                if (key.index >= 0) pool?.markAuthFailed(key.index, e.message);
                else throw withAttempts(e, attempts); // no key to rotate: a misconfigured keyless endpoint
                continue;
              case 'key-rate':
                this.deps.circuits.release(c.ref);
                if (key.index >= 0) pool?.markRateLimited(key.index, e.retryAfterMs ?? 1_000, e.message);
                else notBefore.set(c.ref, this.clock.now() + (e.retryAfterMs ?? 1_000));
                continue;
              case 'missing':
                this.deps.circuits.release(c.ref);
                gone.add(c.ref);
                break;
              case 'retryable':
                this.deps.circuits.recordFailure(c.ref, { status: e.status, message: e.message });
                if (key.index >= 0) pool?.recordFailure(key.index);
                if (e.retryAfterMs !== undefined && cfg.retry.use_retry_after) {
                  if (e.retryAfterMs > cfg.retry.max_retry_after_ms) gone.add(c.ref);
                  else {
                    notBefore.set(c.ref, this.clock.now() + e.retryAfterMs);
                    earliest = Math.min(earliest, this.clock.now() + e.retryAfterMs);
                  }
                }
                break;
            }
            break; // next candidate
          }
        }
      }
      // A whole round without an answer: back off and go again while the budget allows.
      if (opts.singlePass) return this.giveUp(req, attempts, last, allRateLimited, earliest, blocked, true);
      if (attempts.length >= cfg.retry.max_attempts || candidates.every((c) => gone.has(c.ref))) break;
      const now = this.clock.now();
      const delay = Math.max(backoffDelay(round, cfg.retry, this.deps.random), Number.isFinite(earliest) ? earliest - now : 0);
      if (now + delay > Math.min(budgetEnd, deadline)) return this.giveUp(req, attempts, last, allRateLimited, earliest, blocked);
      await this.sleep(delay, opts.signal).catch(() => undefined);
      if (opts.signal.aborted) throw new GatewayError({ status: 499, code: 'aborted', message: 'Request was aborted', retryable: false });
    }
    return this.giveUp(req, attempts, last, allRateLimited, Number.POSITIVE_INFINITY, blocked);
  }

  /** Wraps an upstream stream whose first part arrived: records the verdict when it ends. */
  private committed(upstream: ChatStream, it: AsyncIterator<StreamPart>, first: IteratorResult<StreamPart>, ref: string, started: number, ttftMs: number, attempt: Linked): ChatStream {
    const circuits = this.deps.circuits;
    const clock = this.clock;
    const redact = this.deps.redact;
    async function* parts(): AsyncGenerator<StreamPart> {
      let verdict = false;
      try {
        if (!first.done) yield first.value;
        for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
        verdict = true;
        circuits.recordSuccess(ref, { latencyMs: clock.now() - started, ttftMs });
      } catch (err) {
        verdict = true;
        // Only an upstream's failure counts against it; the consumer going away, or a failure of ours, does not.
        if ((attempt.signal.aborted && !(attempt.signal.reason instanceof GatewayError)) || !(err instanceof GatewayError)) {
          circuits.release(ref);
          throw err;
        }
        const e = redact ? redactError(err, redact) : err;
        circuits.recordFailure(ref, { status: e.status, message: e.message });
        throw e;
      } finally {
        if (!verdict) {
          circuits.release(ref); // the consumer stopped early (client went away)
          await it.return?.();
        }
        attempt.dispose();
      }
    }
    return Object.assign(parts(), { headers: upstream.headers });
  }

  private giveUp(
    req: RouteRequest,
    attempts: AttemptRecord[],
    last: GatewayError | undefined,
    allRateLimited: boolean,
    earliest: number,
    blocked: { rateLimited: boolean; authRejected: boolean },
    singlePass = false,
  ): never {
    const now = this.clock.now();
    // When to come back: the earliest moment a candidate is usable again, else what the upstream asked for, else
    // a cooldown (an HTTP client needs a Retry-After; a single-pass caller keeps its own backoff instead).
    const asked = Number.isFinite(earliest) ? Math.max(1_000, earliest - now) : last?.retryAfterMs;
    const retryAfterMs = asked ?? (singlePass ? undefined : this.deps.config().circuit_breaker.cooldown_ms);
    const retryIn = retryAfterMs === undefined ? '' : ` Retry after ${Math.ceil(retryAfterMs / 1000)} s.`;
    const tried = [...new Set(attempts.map((a) => `${a.ref} (${a.status})`))].join(', ');
    const headers = { 'x-cb-attempts': String(attempts.length) };
    // Every call was refused for credentials: that is the answer (a configuration problem), not an outage.
    if (last && attempts.length > 0 && attempts.every((a) => a.status === 401 || a.status === 403)) throw withAttempts(last, attempts);
    if (attempts.length === 0 && blocked.authRejected && !blocked.rateLimited) {
      throw new GatewayError({ status: 401, type: 'authentication_error', code: 'provider_keys_rejected', headers, message: `Every configured key for '${req.model}' was rejected by its provider (see GET /v1/providers); fix the provider keys.` });
    }
    if ((attempts.length > 0 && allRateLimited) || (attempts.length === 0 && blocked.rateLimited)) {
      throw new GatewayError({ status: 429, type: 'rate_limit_error', code: 'upstream_rate_limited', retryAfterMs, headers, message: `Every provider key for '${req.model}' is rate-limited (${tried}).${retryIn}` });
    }
    throw new GatewayError({
      status: 503,
      type: 'service_unavailable_error',
      code: 'no_healthy_provider',
      retryAfterMs,
      headers,
      retryable: true,
      message:
        attempts.length === 0
          ? `No provider for '${req.model}' is available right now (circuits open or keys unavailable).${retryIn}`
          : `All providers for '${req.model}' failed after ${attempts.length} attempt(s): ${tried}. Last error: ${last?.message ?? 'unknown'}`,
    });
  }
}

/** The error as the client should see it, saying how many upstream attempts were made. */
function withAttempts(e: GatewayError, attempts: readonly AttemptRecord[]): GatewayError {
  return new GatewayError({ status: e.status, message: e.message, type: e.type, code: e.code, param: e.param, provider: e.provider, retryable: e.retryable, retryAfterMs: e.retryAfterMs, headers: { ...e.headers, 'x-cb-attempts': String(attempts.length) }, cause: e });
}

export function classify(e: GatewayError, retryOn: readonly number[]): Outcome {
  if (e.status === 499 || e.code === 'aborted') return 'aborted';
  if (e.status === 401 || e.status === 403) return 'key-auth';
  if (e.status === 429) return 'key-rate';
  if (e.status === 404) return 'missing';
  if (retryOn.includes(e.status) || (e.status >= 500 && e.retryable)) return 'retryable';
  return 'fatal';
}

interface Linked {
  signal: AbortSignal;
  abort(reason: unknown): void;
  dispose(): void;
}

/** An AbortController that also aborts when `parent` does. */
function linkedController(parent: AbortSignal | undefined): Linked {
  const ac = new AbortController();
  const onAbort = (): void => ac.abort(parent?.reason);
  if (parent?.aborted) ac.abort(parent.reason);
  else parent?.addEventListener('abort', onAbort, { once: true });
  return { signal: ac.signal, abort: (r) => ac.abort(r), dispose: () => parent?.removeEventListener('abort', onAbort) };
}
