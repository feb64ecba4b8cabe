import { type Clock, systemClock } from './clock';
import type { RoutingConfig } from './routing-config';

/**
 * Health and circuit state per target (a ModelRef, `provider/modelId`). Pure bookkeeping over an injected
 * clock: the router decides which outcomes count (upstream/provider failures only) and calls in.
 *
 * Circuit: closed → open when, over the sliding window, calls ≥ `min_calls` and the error rate exceeds
 * `error_rate_threshold`, or after `consecutive_failures` failures in a row. Open → half-open once
 * `cooldown_ms` has passed (checked lazily, on the next look). Half-open admits `half_open_probes` calls
 * at a time; a success closes the circuit and clears the window, a failure re-opens it with a fresh cooldown.
 */

export type CircuitState = 'closed' | 'open' | 'half_open';
export type CircuitConfig = RoutingConfig['circuit_breaker'];

export interface TargetHealth {
  target: string;
  circuit: CircuitState;
  /** Calls and failures within the sliding window. */
  calls: number;
  failures: number;
  /** failures / calls over the window (0 with no calls). */
  errorRate: number;
  consecutiveFailures: number;
  latencyEwmaMs?: number;
  latencyP95Ms?: number;
  ttftEwmaMs?: number;
  lastFailure?: { at: number; status?: number; message: string };
  /** When the circuit last opened (while open or half-open). */
  openedAt?: number;
  /** Open: when it becomes half-open. Half-open: when it did. */
  halfOpenAt?: number;
  /** Calls and failures since start (not windowed). */
  totalCalls: number;
  totalFailures: number;
}

/** Buckets per window: the window slides in steps of window_ms / BUCKETS. */
export const WINDOW_BUCKETS = 10;
/** EWMA smoothing factor for latency and time to first token. */
export const EWMA_ALPHA = 0.2;
/** Latency samples kept for the p95. */
export const P95_SAMPLES = 100;

interface Bucket {
  start: number;
  calls: number;
  failures: number;
}

interface State {
  circuit: CircuitState;
  buckets: Bucket[];
  consecutiveFailures: number;
  openedAt?: number;
  halfOpenAt?: number;
  probesInFlight: number;
  latencyEwma?: number;
  ttftEwma?: number;
  samples: number[];
  nextSample: number;
  lastFailure?: { at: number; status?: number; message: string };
  totalCalls: number;
  totalFailures: number;
  /** Whether the target's model is in a configured list (asked once, when the target is first seen). */
  listed: boolean;
}

export class CircuitBreaker {
  private readonly states = new Map<string, State>();
  /** Targets of models in no configured list, least recently used first (a Map keeps insertion order). */
  private readonly unlisted = new Map<string, true>();

  constructor(
    private readonly config: () => CircuitConfig,
    private readonly clock: Clock = systemClock,
    /** Whether a target's model is in a configured model list (those are always tracked); default: all are. */
    private readonly isListed: (target: string) => boolean = () => true,
  ) {}

  /**
   * May a call go to `target` now? closed → true; open → false until the cooldown passed, then half-open;
   * half-open → true for at most `half_open_probes` calls in flight (this call takes a slot, returned by
   * recordSuccess / recordFailure / release).
   */
  tryAcquire(target: string): boolean {
    const s = this.states.get(target);
    if (!s) return true;
    this.advance(s);
    if (s.circuit === 'closed') return true;
    if (s.circuit === 'open') return false;
    if (s.probesInFlight >= this.config().half_open_probes) return false;
    s.probesInFlight++;
    return true;
  }

  /** Like tryAcquire without taking a slot: would a call be admitted now? */
  isAvailable(target: string): boolean {
    const s = this.states.get(target);
    if (!s) return true;
    this.advance(s);
    return s.circuit === 'closed' || (s.circuit === 'half_open' && s.probesInFlight < this.config().half_open_probes);
  }

  recordSuccess(target: string, sample: { latencyMs: number; ttftMs?: number }): void {
    const s = this.state(target);
    const now = this.clock.now();
    this.advance(s);
    if (s.circuit === 'half_open') {
      this.freeSlot(s);
      s.circuit = 'closed';
      s.buckets = [];
      s.openedAt = undefined;
      s.halfOpenAt = undefined;
      s.probesInFlight = 0;
    }
    this.count(s, now, false);
    s.consecutiveFailures = 0;
    this.addLatency(s, sample);
  }

  recordFailure(target: string, failure: { status?: number; message: string }): void {
    const s = this.state(target);
    const now = this.clock.now();
    this.advance(s);
    this.count(s, now, true);
    s.consecutiveFailures++;
    s.lastFailure = failure.status === undefined ? { at: now, message: failure.message } : { at: now, status: failure.status, message: failure.message };
    if (s.circuit === 'half_open') {
      this.open(s, now);
      return;
    }
    if (s.circuit === 'closed' && this.shouldOpen(s, now)) this.open(s, now);
    // Already open: a call that started before the circuit opened failed too; the cooldown stands.
  }

  /** Returns a half-open slot without a verdict (the client went away, a key-level failure, …). */
  release(target: string): void {
    const s = this.states.get(target);
    if (!s) return;
    this.advance(s);
    if (s.circuit === 'half_open') this.freeSlot(s);
  }

  /** When an open circuit becomes half-open (undefined if not open). */
  reopensAt(target: string): number | undefined {
    const s = this.states.get(target);
    if (!s) return undefined;
    this.advance(s);
    return s.circuit === 'open' && s.openedAt !== undefined ? s.openedAt + this.config().cooldown_ms : undefined;
  }

  /** Health of one target; zeros (closed) for an unknown one. */
  get(target: string): TargetHealth {
    const s = this.states.get(target);
    if (!s) return { target, circuit: 'closed', calls: 0, failures: 0, errorRate: 0, consecutiveFailures: 0, totalCalls: 0, totalFailures: 0 };
    this.advance(s);
    const { calls, failures } = this.windowCounts(s, this.clock.now());
    const h: TargetHealth = {
      target,
      circuit: s.circuit,
      calls,
      failures,
      errorRate: calls === 0 ? 0 : failures / calls,
      consecutiveFailures: s.consecutiveFailures,
      totalCalls: s.totalCalls,
      totalFailures: s.totalFailures,
    };
    if (s.latencyEwma !== undefined) h.latencyEwmaMs = round(s.latencyEwma);
    const p95 = percentile(s.samples, 0.95);
    if (p95 !== undefined) h.latencyP95Ms = p95;
    if (s.ttftEwma !== undefined) h.ttftEwmaMs = round(s.ttftEwma);
    if (s.lastFailure) h.lastFailure = { ...s.lastFailure };
    if (s.circuit !== 'closed' && s.openedAt !== undefined) h.openedAt = s.openedAt;
    if (s.circuit === 'open' && s.openedAt !== undefined) h.halfOpenAt = s.openedAt + this.config().cooldown_ms;
    if (s.circuit === 'half_open' && s.halfOpenAt !== undefined) h.halfOpenAt = s.halfOpenAt;
    return h;
  }

  /** Every target seen so far, sorted by name. */
  snapshot(): TargetHealth[] {
    return [...this.states.keys()].sort().map((t) => this.get(t));
  }

  private state(target: string): State {
    let s = this.states.get(target);
    if (!s) {
      s = { circuit: 'closed', buckets: [], consecutiveFailures: 0, probesInFlight: 0, samples: [], nextSample: 0, totalCalls: 0, totalFailures: 0, listed: this.isListed(target) };
      this.states.set(target, s);
    }
    if (!s.listed) this.touchUnlisted(target);
    return s;
  }

  /** Keeps the unlisted targets an LRU of at most `max_unlisted_targets`: client-chosen names never grow memory without bound. */
  private touchUnlisted(target: string): void {
    this.unlisted.delete(target);
    this.unlisted.set(target, true);
    const max = this.config().max_unlisted_targets;
    for (const oldest of this.unlisted.keys()) {
      if (this.unlisted.size <= max) break;
      this.unlisted.delete(oldest);
      this.states.delete(oldest);
    }
  }

  /** Time-driven transition: open → half-open once the cooldown has passed. */
  private advance(s: State): void {
    if (s.circuit !== 'open' || s.openedAt === undefined) return;
    const at = s.openedAt + this.config().cooldown_ms;
    if (this.clock.now() < at) return;
    s.circuit = 'half_open';
    s.halfOpenAt = this.clock.now();
    s.probesInFlight = 0;
  }

  private open(s: State, now: number): void {
    s.circuit = 'open';
    s.openedAt = now;
    s.halfOpenAt = undefined;
    s.probesInFlight = 0;
  }

  private freeSlot(s: State): void {
    if (s.probesInFlight > 0) s.probesInFlight--;
  }

  private shouldOpen(s: State, now: number): boolean {
    const cfg = this.config();
    if (s.consecutiveFailures >= cfg.consecutive_failures) return true;
    const { calls, failures } = this.windowCounts(s, now);
    return calls >= cfg.min_calls && failures / calls > cfg.error_rate_threshold;
  }

  private count(s: State, now: number, failed: boolean): void {
    s.totalCalls++;
    if (failed) s.totalFailures++;
    const windowMs = this.config().window_ms;
    const width = Math.max(1, Math.floor(windowMs / WINDOW_BUCKETS));
    const start = Math.floor(now / width) * width;
    this.prune(s, now, windowMs);
    let last = s.buckets[s.buckets.length - 1];
    if (!last || last.start !== start) {
      last = { start, calls: 0, failures: 0 };
      s.buckets.push(last);
    }
    last.calls++;
    if (failed) last.failures++;
  }

  private windowCounts(s: State, now: number): { calls: number; failures: number } {
    this.prune(s, now, this.config().window_ms);
    let calls = 0;
    let failures = 0;
    for (const b of s.buckets) {
      calls += b.calls;
      failures += b.failures;
    }
    return { calls, failures };
  }

  /** Drops buckets that started a whole window ago or earlier. */
  private prune(s: State, now: number, windowMs: number): void {
    let drop = 0;
    while (drop < s.buckets.length && (s.buckets[drop]?.start ?? 0) <= now - windowMs) drop++;
    if (drop > 0) s.buckets.splice(0, drop);
  }

  private addLatency(s: State, sample: { latencyMs: number; ttftMs?: number }): void {
    if (Number.isFinite(sample.latencyMs) && sample.latencyMs >= 0) {
      s.latencyEwma = s.latencyEwma === undefined ? sample.latencyMs : s.latencyEwma + EWMA_ALPHA * (sample.latencyMs - s.latencyEwma);
      if (s.samples.length < P95_SAMPLES) s.samples.push(sample.latencyMs);
      else s.samples[s.nextSample] = sample.latencyMs;
      s.nextSample = (s.nextSample + 1) % P95_SAMPLES;
    }
    const t = sample.ttftMs;
    if (t !== undefined && Number.isFinite(t) && t >= 0) {
      s.ttftEwma = s.ttftEwma === undefined ? t : s.ttftEwma + EWMA_ALPHA * (t - s.ttftEwma);
    }
  }
}

/** Nearest-rank percentile; undefined with no samples. */
export function percentile(samples: readonly number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1];
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
