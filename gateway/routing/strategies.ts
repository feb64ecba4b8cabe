import type { PriceTable } from '../usage/price-table';
import type { CircuitBreaker, TargetHealth } from './circuit-breaker';
import type { Strategy } from './routing-config';

/**
 * Strategies order an already-resolved, already-filtered candidate list; they never add or drop one.
 * Pure apart from the round-robin state (which is the point of load_balanced). All sorts are stable.
 * - cost_optimized: cheapest blended price per 1k tokens first; unknown prices last.
 * - performance_first: lowest observed latency (time to first token for streams) first; candidates without
 *   samples go after the measured ones that meet the performance target (all of them without a target) and
 *   before those above it, so new targets get measured.
 * - load_balanced: the first candidate rotates by smooth weighted round-robin across calls of one route key;
 *   the rest follow in the given order (the failover order).
 * - failover_chain, model_specific: as given (capability filtering happens in the planner).
 * With a performance target, any strategy then moves candidates whose p95 latency exceeds it to the end.
 */

export interface CandidateInfo {
  ref: string;
  provider: string;
  weight: number;
}

export interface OrderContext {
  circuits: CircuitBreaker;
  prices: PriceTable;
  rr: RoundRobinState;
  /** The route's identity for load_balanced rotation (the client's model name). */
  routeKey: string;
  performanceTargetMs?: number;
  /** Streams are ranked by time to first token (falling back to latency) under performance_first. */
  stream?: boolean;
}

export function orderCandidates<T extends CandidateInfo>(strategy: Strategy, candidates: readonly T[], ctx: OrderContext): T[] {
  let out: T[];
  switch (strategy) {
    case 'cost_optimized':
      out = byCost(candidates, ctx.prices);
      break;
    case 'performance_first':
      out = byPerformance(candidates, ctx);
      break;
    case 'load_balanced':
      out = rotated(candidates, ctx.rr.next(ctx.routeKey, candidates));
      break;
    case 'failover_chain':
    case 'model_specific':
      out = [...candidates];
      break;
  }
  const target = ctx.performanceTargetMs;
  if (target !== undefined) out = demoteSlow(out, ctx.circuits, target);
  return out;
}

/** Candidates whose observed p95 latency exceeds `targetMs` go last (stable; unmeasured ones stay). */
export function demoteSlow<T extends CandidateInfo>(candidates: readonly T[], circuits: CircuitBreaker, targetMs: number): T[] {
  const slow = (c: T): boolean => (circuits.get(c.ref).latencyP95Ms ?? 0) > targetMs;
  return [...candidates.filter((c) => !slow(c)), ...candidates.filter(slow)];
}

function byCost<T extends CandidateInfo>(candidates: readonly T[], prices: PriceTable): T[] {
  const cost = (c: T): number => prices.per1k(c.ref) ?? Number.POSITIVE_INFINITY;
  return stableSort(candidates, (a, b) => cost(a) - cost(b));
}

function byPerformance<T extends CandidateInfo>(candidates: readonly T[], ctx: OrderContext): T[] {
  const metric = (h: TargetHealth): number | undefined => (ctx.stream ? (h.ttftEwmaMs ?? h.latencyEwmaMs) : h.latencyEwmaMs);
  const target = ctx.performanceTargetMs ?? Number.POSITIVE_INFINITY;
  const fast: Array<{ c: T; m: number }> = [];
  const unmeasured: T[] = [];
  const slow: Array<{ c: T; m: number }> = [];
  for (const c of candidates) {
    const m = metric(ctx.circuits.get(c.ref));
    if (m === undefined) unmeasured.push(c);
    else (m <= target ? fast : slow).push({ c, m });
  }
  const sorted = (xs: Array<{ c: T; m: number }>): T[] => stableSort(xs, (a, b) => a.m - b.m).map((x) => x.c);
  return [...sorted(fast), ...unmeasured, ...sorted(slow)];
}

function rotated<T>(candidates: readonly T[], first: number): T[] {
  const head = candidates[first];
  if (head === undefined || first === 0) return [...candidates];
  return [head, ...candidates.filter((_, i) => i !== first)];
}

function stableSort<T>(xs: readonly T[], cmp: (a: T, b: T) => number): T[] {
  return xs
    .map((x, i) => ({ x, i }))
    .sort((a, b) => cmp(a.x, b.x) || a.i - b.i)
    .map((e) => e.x);
}

/** Route keys remembered before the oldest are forgotten (bounds memory when clients invent model names). */
const MAX_ROUTE_KEYS = 10_000;

/**
 * Smooth weighted round-robin state per route key (so consecutive requests of one route rotate). Weights
 * are per candidate ref; a candidate set that changes between calls (filters, config reload) is fine:
 * refs no longer present are forgotten, new ones start at zero.
 */
export class RoundRobinState {
  private readonly routes = new Map<string, Map<string, number>>();

  /** Index into `candidates` of the one to try first this time; advances the rotation. 0 for an empty list. */
  next(routeKey: string, candidates: readonly CandidateInfo[]): number {
    if (candidates.length <= 1) return 0;
    let current = this.routes.get(routeKey);
    if (!current) {
      if (this.routes.size >= MAX_ROUTE_KEYS) {
        const oldest = this.routes.keys().next().value;
        if (oldest !== undefined) this.routes.delete(oldest);
      }
      current = new Map();
      this.routes.set(routeKey, current);
    }
    const present = new Set(candidates.map((c) => c.ref));
    for (const ref of current.keys()) if (!present.has(ref)) current.delete(ref);
    let total = 0;
    let best = -1;
    let bestValue = Number.NEGATIVE_INFINITY;
    candidates.forEach((c, i) => {
      const w = Number.isFinite(c.weight) && c.weight > 0 ? c.weight : 1;
      const v = (current.get(c.ref) ?? 0) + w;
      current.set(c.ref, v);
      total += w;
      if (v > bestValue) {
        bestValue = v;
        best = i;
      }
    });
    const chosen = candidates[best];
    if (chosen) current.set(chosen.ref, bestValue - total);
    return Math.max(0, best);
  }

  /** Forgets every rotation (e.g. after a config reload). */
  reset(): void {
    this.routes.clear();
  }
}
