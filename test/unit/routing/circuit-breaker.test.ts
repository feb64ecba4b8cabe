import { systemClock } from '../../../gateway/routing/clock';
import { ManualClock } from '../../helpers/manual-clock';
import { type CircuitConfig, CircuitBreaker, percentile } from '../../../gateway/routing/circuit-breaker';
import { DEFAULT_ROUTING } from '../../../gateway/routing/routing-config';

const T = 'openai/gpt-4o';
const fail = { status: 500, message: 'boom' };

function setup(overrides: Partial<CircuitConfig> = {}): { clock: ManualClock; circuits: CircuitBreaker; cfg: CircuitConfig } {
  const clock = new ManualClock(1_000_000);
  const cfg: CircuitConfig = { ...DEFAULT_ROUTING.circuit_breaker, ...overrides };
  return { clock, cfg, circuits: new CircuitBreaker(() => cfg, clock) };
}

test('ManualClock moves only when told; systemClock follows Date.now', () => {
  const c = new ManualClock(5);
  c.advance(10);
  expect(c.now()).toBe(15);
  c.set(100);
  expect(c.now()).toBe(100);
  expect(new ManualClock().now()).toBe(0);
  expect(Math.abs(systemClock.now() - Date.now())).toBeLessThan(1000);
});

test('an unknown target is closed with zeros', () => {
  const { circuits } = setup();
  expect(circuits.get(T)).toEqual({ target: T, circuit: 'closed', calls: 0, failures: 0, errorRate: 0, consecutiveFailures: 0, totalCalls: 0, totalFailures: 0 });
  expect(circuits.tryAcquire(T)).toBe(true);
  expect(circuits.reopensAt(T)).toBeUndefined();
  expect(circuits.snapshot()).toEqual([]);
});

test('opens by error rate once min_calls are seen, not before', () => {
  const { circuits } = setup({ min_calls: 10, error_rate_threshold: 0.2, consecutive_failures: 100 });
  for (let i = 0; i < 7; i++) circuits.recordSuccess(T, { latencyMs: 100 });
  circuits.recordFailure(T, fail);
  circuits.recordFailure(T, fail);
  circuits.recordFailure(T, fail); // 3/10 = 30% > 20%, but only now at 10 calls
  expect(circuits.get(T).circuit).toBe('open');
  const { circuits: c2 } = setup({ min_calls: 10, error_rate_threshold: 0.2, consecutive_failures: 100 });
  for (let i = 0; i < 3; i++) c2.recordFailure(T, fail); // 100% but 3 < min_calls
  expect(c2.get(T).circuit).toBe('closed');
  for (let i = 0; i < 7; i++) c2.recordSuccess(T, { latencyMs: 100 });
  expect(c2.get(T)).toMatchObject({ circuit: 'closed', calls: 10, failures: 3, errorRate: 0.3 }); // successes never open it
});

test('an error rate equal to the threshold does not open', () => {
  const { circuits } = setup({ min_calls: 10, error_rate_threshold: 0.2, consecutive_failures: 100 });
  for (let i = 0; i < 8; i++) circuits.recordSuccess(T, { latencyMs: 1 });
  circuits.recordFailure(T, fail);
  circuits.recordFailure(T, fail);
  expect(circuits.get(T)).toMatchObject({ circuit: 'closed', errorRate: 0.2 });
});

test('opens after consecutive failures; a success resets the streak', () => {
  const { circuits } = setup({ consecutive_failures: 3, min_calls: 1000 });
  circuits.recordFailure(T, fail);
  circuits.recordFailure(T, fail);
  circuits.recordSuccess(T, { latencyMs: 5 });
  circuits.recordFailure(T, fail);
  circuits.recordFailure(T, fail);
  expect(circuits.get(T)).toMatchObject({ circuit: 'closed', consecutiveFailures: 2 });
  circuits.recordFailure(T, { status: 503, message: 'overloaded' });
  const h = circuits.get(T);
  expect(h).toMatchObject({ circuit: 'open', consecutiveFailures: 3, lastFailure: { at: 1_000_000, status: 503, message: 'overloaded' }, openedAt: 1_000_000, halfOpenAt: 1_010_000 });
  expect(circuits.tryAcquire(T)).toBe(false);
  expect(circuits.isAvailable(T)).toBe(false);
});

test('open → half_open after the cooldown; a successful probe closes and clears the window', () => {
  const { circuits, clock } = setup({ consecutive_failures: 2, cooldown_ms: 5_000 });
  circuits.recordFailure(T, fail);
  circuits.recordFailure(T, fail);
  expect(circuits.reopensAt(T)).toBe(1_005_000);
  clock.advance(4_999);
  expect(circuits.tryAcquire(T)).toBe(false);
  clock.advance(1);
  expect(circuits.get(T)).toMatchObject({ circuit: 'half_open', openedAt: 1_000_000, halfOpenAt: 1_005_000 });
  expect(circuits.reopensAt(T)).toBeUndefined();
  expect(circuits.tryAcquire(T)).toBe(true);
  circuits.recordSuccess(T, { latencyMs: 40 });
  const h = circuits.get(T);
  expect(h).toMatchObject({ circuit: 'closed', calls: 1, failures: 0, errorRate: 0, consecutiveFailures: 0, totalCalls: 3, totalFailures: 2 });
  expect(h.openedAt).toBeUndefined();
  expect(h.lastFailure?.message).toBe('boom');
  expect(circuits.tryAcquire(T)).toBe(true);
});

test('a failed probe re-opens with a fresh cooldown', () => {
  const { circuits, clock } = setup({ consecutive_failures: 1, cooldown_ms: 1_000 });
  circuits.recordFailure(T, fail);
  clock.advance(1_000);
  expect(circuits.tryAcquire(T)).toBe(true);
  clock.advance(300);
  circuits.recordFailure(T, { message: 'probe failed' });
  expect(circuits.get(T)).toMatchObject({ circuit: 'open', openedAt: 1_001_300, lastFailure: { message: 'probe failed' } });
  expect(circuits.get(T).lastFailure?.status).toBeUndefined();
  expect(circuits.reopensAt(T)).toBe(1_002_300);
  clock.advance(999);
  expect(circuits.tryAcquire(T)).toBe(false);
  clock.advance(1);
  expect(circuits.tryAcquire(T)).toBe(true);
});

test('half-open admits half_open_probes calls at a time; release and verdicts free slots', () => {
  const { circuits, clock } = setup({ consecutive_failures: 1, cooldown_ms: 1_000, half_open_probes: 2 });
  circuits.recordFailure(T, fail);
  clock.advance(1_000);
  expect(circuits.tryAcquire(T)).toBe(true);
  expect(circuits.tryAcquire(T)).toBe(true);
  expect(circuits.tryAcquire(T)).toBe(false);
  expect(circuits.isAvailable(T)).toBe(false);
  circuits.release(T);
  expect(circuits.isAvailable(T)).toBe(true);
  expect(circuits.tryAcquire(T)).toBe(true);
  expect(circuits.tryAcquire(T)).toBe(false);
  circuits.release(T);
  circuits.release(T);
  circuits.release(T); // more releases than slots: never negative
  expect(circuits.tryAcquire(T)).toBe(true);
  expect(circuits.tryAcquire(T)).toBe(true);
  expect(circuits.tryAcquire(T)).toBe(false);
  circuits.recordSuccess(T, { latencyMs: 1 });
  expect(circuits.get(T).circuit).toBe('closed');
});

test('release on a closed or unknown target is a no-op', () => {
  const { circuits } = setup();
  circuits.release('nobody/x');
  circuits.recordSuccess(T, { latencyMs: 1 });
  circuits.release(T);
  expect(circuits.get(T)).toMatchObject({ circuit: 'closed', calls: 1 });
});

test('results of calls started before the circuit opened do not change an open circuit', () => {
  const { circuits, clock } = setup({ consecutive_failures: 1, cooldown_ms: 1_000 });
  circuits.recordFailure(T, fail);
  clock.advance(500);
  circuits.recordFailure(T, fail);
  circuits.recordSuccess(T, { latencyMs: 1 });
  expect(circuits.get(T)).toMatchObject({ circuit: 'open', openedAt: 1_000_000 });
  expect(circuits.reopensAt(T)).toBe(1_001_000);
});

test('old buckets drop out of the sliding window', () => {
  const { circuits, clock } = setup({ window_ms: 10_000, min_calls: 5, error_rate_threshold: 0.5, consecutive_failures: 100 });
  for (let i = 0; i < 4; i++) circuits.recordFailure(T, fail);
  expect(circuits.get(T)).toMatchObject({ calls: 4, failures: 4 });
  clock.advance(5_000);
  circuits.recordSuccess(T, { latencyMs: 1 });
  expect(circuits.get(T)).toMatchObject({ calls: 5, failures: 4, circuit: 'closed' });
  clock.advance(5_000); // the first bucket is a whole window old
  expect(circuits.get(T)).toMatchObject({ calls: 1, failures: 0, errorRate: 0 });
  circuits.recordFailure(T, fail);
  expect(circuits.get(T).circuit).toBe('closed'); // 2 calls < min_calls: old failures no longer count
  clock.advance(20_000);
  expect(circuits.get(T)).toMatchObject({ calls: 0, failures: 0, totalCalls: 6, totalFailures: 5 });
});

test('the config is read live (hot reload)', () => {
  const { circuits, cfg } = setup({ consecutive_failures: 5 });
  circuits.recordFailure(T, fail);
  circuits.recordFailure(T, fail);
  cfg.consecutive_failures = 3;
  circuits.recordFailure(T, fail);
  expect(circuits.get(T).circuit).toBe('open');
});

test('latency EWMA (alpha 0.2), p95 over the last 100 samples, ttft EWMA separately', () => {
  const { circuits } = setup();
  circuits.recordSuccess(T, { latencyMs: 100 });
  expect(circuits.get(T)).toMatchObject({ latencyEwmaMs: 100, latencyP95Ms: 100 });
  expect(circuits.get(T).ttftEwmaMs).toBeUndefined();
  circuits.recordSuccess(T, { latencyMs: 200, ttftMs: 50 });
  expect(circuits.get(T)).toMatchObject({ latencyEwmaMs: 120, ttftEwmaMs: 50 });
  circuits.recordSuccess(T, { latencyMs: 100, ttftMs: 100 });
  expect(circuits.get(T)).toMatchObject({ latencyEwmaMs: 116, ttftEwmaMs: 60 });

  const { circuits: c2 } = setup();
  for (let i = 1; i <= 100; i++) c2.recordSuccess(T, { latencyMs: i });
  expect(c2.get(T).latencyP95Ms).toBe(95);
  for (let i = 0; i < 100; i++) c2.recordSuccess(T, { latencyMs: 1000 + i }); // the old 100 are gone
  expect(c2.get(T).latencyP95Ms).toBe(1094);
});

test('failures do not feed latency; snapshot lists every target, sorted', () => {
  const { circuits } = setup();
  circuits.recordFailure('b/x', fail);
  circuits.recordSuccess('a/y', { latencyMs: 7 });
  expect(circuits.get('b/x').latencyEwmaMs).toBeUndefined();
  expect(circuits.snapshot().map((h) => h.target)).toEqual(['a/y', 'b/x']);
});

test('percentile: nearest rank', () => {
  expect(percentile([], 0.95)).toBeUndefined();
  expect(percentile([5], 0.95)).toBe(5);
  expect(percentile([3, 1, 2, 4], 0.5)).toBe(2);
});

test('targets of models in no configured list live in an LRU of max_unlisted_targets; configured ones always stay', () => {
  const cfg: CircuitConfig = { ...DEFAULT_ROUTING.circuit_breaker, max_unlisted_targets: 3, consecutive_failures: 2 };
  const circuits = new CircuitBreaker(() => cfg, new ManualClock(1), (t) => t === T);
  circuits.recordFailure(T, fail);
  circuits.recordFailure(T, fail);
  for (let i = 0; i < 500; i++) circuits.recordSuccess(`openai/invented-${i}`, { latencyMs: 1 });
  expect(circuits.snapshot().map((h) => h.target)).toEqual([T, 'openai/invented-497', 'openai/invented-498', 'openai/invented-499']);
  expect(circuits.get(T).circuit).toBe('open'); // the configured target kept its state
  circuits.recordSuccess('openai/invented-497', { latencyMs: 1 }); // used again: now the most recent
  circuits.recordSuccess('openai/another', { latencyMs: 1 });
  expect(circuits.snapshot().map((h) => h.target)).toEqual(['openai/another', T, 'openai/invented-497', 'openai/invented-499']); // sorted by name
});
