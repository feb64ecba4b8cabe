import { ManualClock } from '../../helpers/manual-clock';
import { CircuitBreaker } from '../../../gateway/routing/circuit-breaker';
import { DEFAULT_ROUTING } from '../../../gateway/routing/routing-config';
import { type CandidateInfo, orderCandidates, type OrderContext, RoundRobinState } from '../../../gateway/routing/strategies';
import { PriceTable } from '../../../gateway/usage/price-table';

const c = (ref: string, weight = 1): CandidateInfo => ({ ref, provider: ref.split('/')[0] ?? '', weight });
const refs = (xs: readonly CandidateInfo[]): string[] => xs.map((x) => x.ref);

function ctx(extra: Partial<OrderContext> = {}): OrderContext {
  return {
    circuits: new CircuitBreaker(() => DEFAULT_ROUTING.circuit_breaker, new ManualClock()),
    prices: new PriceTable(),
    rr: new RoundRobinState(),
    routeKey: 'r',
    ...extra,
  };
}

const POOL = [c('openai/gpt-4o'), c('custom/mystery'), c('anthropic/claude-3-5-haiku-latest'), c('openai/gpt-4o-mini'), c('ollama/llama3.2')];

test('failover_chain and model_specific keep the given order (and copy it)', () => {
  for (const s of ['failover_chain', 'model_specific'] as const) {
    const out = orderCandidates(s, POOL, ctx());
    expect(refs(out)).toEqual(refs(POOL));
    expect(out).not.toBe(POOL);
  }
});

test('cost_optimized: cheapest per 1k first, unknown prices last, stable among equals', () => {
  const prices = new PriceTable({ 'other/a': { input: 0.15, output: 0.6 }, 'other/b': { input: 0.15, output: 0.6 } });
  const out = orderCandidates('cost_optimized', [...POOL, c('other/b'), c('other/a')], ctx({ prices }));
  expect(refs(out)).toEqual(['ollama/llama3.2', 'openai/gpt-4o-mini', 'other/b', 'other/a', 'anthropic/claude-3-5-haiku-latest', 'openai/gpt-4o', 'custom/mystery']);
});

test('performance_first: fastest measured first; unmeasured after those meeting the target, before slower ones', () => {
  const context = ctx();
  const h = context.circuits;
  h.recordSuccess('a/slow', { latencyMs: 900 });
  h.recordSuccess('a/fast', { latencyMs: 100 });
  h.recordSuccess('a/mid', { latencyMs: 300 });
  const pool = [c('a/slow'), c('a/new'), c('a/mid'), c('a/fast')];
  expect(refs(orderCandidates('performance_first', pool, context))).toEqual(['a/fast', 'a/mid', 'a/slow', 'a/new']);
  expect(refs(orderCandidates('performance_first', pool, { ...context, performanceTargetMs: 500 }))).toEqual(['a/fast', 'a/mid', 'a/new', 'a/slow']);
});

test('performance_first ranks streams by time to first token, falling back to latency', () => {
  const context = ctx();
  const h = context.circuits;
  h.recordSuccess('a/x', { latencyMs: 5000, ttftMs: 100 });
  h.recordSuccess('a/y', { latencyMs: 1000, ttftMs: 400 });
  h.recordSuccess('a/z', { latencyMs: 200 });
  const pool = [c('a/y'), c('a/z'), c('a/x')];
  expect(refs(orderCandidates('performance_first', pool, context))).toEqual(['a/z', 'a/y', 'a/x']);
  expect(refs(orderCandidates('performance_first', pool, { ...context, stream: true }))).toEqual(['a/x', 'a/z', 'a/y']);
});

test('load_balanced rotates the first candidate by weight per route key; the rest keep their order', () => {
  const context = ctx();
  const pool = [c('a/1', 2), c('b/2', 1), c('c/3', 1)];
  const firsts = Array.from({ length: 8 }, () => orderCandidates('load_balanced', pool, context)[0]?.ref);
  expect(firsts.filter((r) => r === 'a/1')).toHaveLength(4);
  expect(firsts.filter((r) => r === 'b/2')).toHaveLength(2);
  expect(firsts.filter((r) => r === 'c/3')).toHaveLength(2);
  const rr = new RoundRobinState();
  const order = (key: string) => refs(orderCandidates('load_balanced', [c('a/1'), c('b/2'), c('c/3')], { ...context, rr, routeKey: key }));
  expect(order('k')).toEqual(['a/1', 'b/2', 'c/3']);
  expect(order('k')).toEqual(['b/2', 'a/1', 'c/3']);
  expect(order('other')).toEqual(['a/1', 'b/2', 'c/3']); // its own rotation
  expect(order('k')).toEqual(['c/3', 'a/1', 'b/2']);
  expect(order('k')).toEqual(['a/1', 'b/2', 'c/3']);
});

test('RoundRobinState tolerates changing candidate sets and resets', () => {
  const rr = new RoundRobinState();
  expect(rr.next('k', [])).toBe(0);
  expect(rr.next('k', [c('a/1')])).toBe(0);
  expect(rr.next('k', [c('a/1'), c('b/2')])).toBe(0);
  expect(rr.next('k', [c('b/2'), c('c/3')])).toBe(0); // a/1 forgotten; b/2 had no credit spent
  expect(rr.next('k', [c('b/2'), c('c/3')])).toBe(1);
  rr.reset();
  expect(rr.next('k', [c('b/2'), c('c/3')])).toBe(0);
});

test('with a performance target any strategy moves candidates whose p95 exceeds it to the end', () => {
  const context = ctx({ performanceTargetMs: 1000 });
  context.circuits.recordSuccess('openai/gpt-4o-mini', { latencyMs: 3000 });
  context.circuits.recordSuccess('ollama/llama3.2', { latencyMs: 500 });
  expect(refs(orderCandidates('failover_chain', POOL, context))).toEqual([
    'openai/gpt-4o',
    'custom/mystery',
    'anthropic/claude-3-5-haiku-latest',
    'ollama/llama3.2',
    'openai/gpt-4o-mini',
  ]);
  expect(refs(orderCandidates('cost_optimized', POOL, context))[0]).toBe('ollama/llama3.2');
  expect(refs(orderCandidates('cost_optimized', POOL, context)).at(-1)).toBe('openai/gpt-4o-mini');
});
