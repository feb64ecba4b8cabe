import { ManualClock } from '../../helpers/manual-clock';
import { DEFAULT_RESET_MS, KeyPool, maskKey } from '../../../gateway/routing/key-pool';

const KEYS = ['sk-aaaaaaaaaaaa1111', 'sk-bbbbbbbbbbbb2222', 'sk-cccccccccccc3333'];

function take(pool: KeyPool, n: number, exclude?: ReadonlySet<number>): Array<number | undefined> {
  return Array.from({ length: n }, () => pool.acquire(exclude)?.index);
}

test('equal weights rotate round-robin and hand out the key itself', () => {
  const pool = new KeyPool('openai', KEYS, undefined, new ManualClock());
  expect(pool.size).toBe(3);
  expect(take(pool, 6)).toEqual([0, 1, 2, 0, 1, 2]);
  expect(pool.acquire()).toEqual({ index: 0, key: KEYS[0] });
});

test('smooth weighted round-robin interleaves by weight', () => {
  const pool = new KeyPool('openai', KEYS.slice(0, 2), [3, 1], new ManualClock());
  const picks = take(pool, 8);
  expect(picks.filter((i) => i === 0)).toHaveLength(6);
  expect(picks.filter((i) => i === 1)).toHaveLength(2);
  expect(picks.slice(0, 4)).toEqual([0, 0, 1, 0]); // smooth: never three of a kind before the light key
  const bad = new KeyPool('openai', KEYS.slice(0, 2), [0, Number.NaN], new ManualClock());
  expect(bad.snapshot().map((k) => k.weight)).toEqual([1, 1]);
});

test('exclude skips keys already tried for this request; none left → undefined', () => {
  const pool = new KeyPool('openai', KEYS, undefined, new ManualClock());
  expect(take(pool, 4, new Set([1]))).toEqual([0, 2, 0, 2]);
  expect(pool.acquire(new Set([0, 1, 2]))).toBeUndefined();
});

test('a key refused (401/403) is disabled for good and reported', () => {
  const clock = new ManualClock(1000);
  const pool = new KeyPool('openai', KEYS, undefined, clock);
  pool.markAuthFailed(1, 'openai: invalid api key');
  expect(take(pool, 4)).toEqual([0, 2, 0, 2]);
  clock.advance(3_600_000);
  expect(take(pool, 2)).toEqual([0, 2]);
  expect(pool.snapshot()[1]).toEqual({ provider: 'openai', index: 1, key: 'sk-…2222', state: 'disabled', reason: 'openai: invalid api key', calls: 0, failures: 0, weight: 1 });
  pool.markRateLimited(1, 1000, 'ignored'); // a disabled key stays disabled
  expect(pool.snapshot()[1]?.state).toBe('disabled');
  pool.markAuthFailed(0, 'x');
  pool.markAuthFailed(2, 'x');
  expect(pool.acquire()).toBeUndefined();
  expect(pool.nextAvailableAt()).toBeUndefined(); // all disabled: nothing to wait for
});

test('a rate-limited key is skipped until its reset, then rotates again', () => {
  const clock = new ManualClock(10_000);
  const pool = new KeyPool('openai', KEYS.slice(0, 2), undefined, clock);
  pool.markRateLimited(0, 2_000, '429 from upstream');
  expect(take(pool, 3)).toEqual([1, 1, 1]);
  expect(pool.nextAvailableAt()).toBeUndefined(); // key 1 is usable now
  expect(pool.snapshot()[0]).toMatchObject({ state: 'rate_limited', until: 12_000, reason: '429 from upstream' });
  clock.advance(2_000);
  expect(pool.snapshot()[0]).toMatchObject({ state: 'active' });
  expect(pool.snapshot()[0]?.until).toBeUndefined();
  expect(new Set(take(pool, 2))).toEqual(new Set([0, 1]));
});

test('a shorter Retry-After never shortens an existing wait', () => {
  const clock = new ManualClock(0);
  const pool = new KeyPool('openai', KEYS.slice(0, 1), undefined, clock);
  pool.markRateLimited(0, 5_000, 'long');
  pool.markRateLimited(0, 1_000, 'short');
  expect(pool.nextAvailableAt()).toBe(5_000);
  clock.advance(6_000);
  pool.markRateLimited(0, 1_000, 'again'); // the old wait is over: a new, shorter one applies
  expect(pool.nextAvailableAt()).toBe(7_000);
});

test('all keys limited → nextAvailableAt is the earliest reset', () => {
  const clock = new ManualClock(0);
  const pool = new KeyPool('openai', KEYS, undefined, clock);
  pool.markRateLimited(0, 3_000, 'a');
  pool.markRateLimited(1, 1_000, 'b');
  pool.markAuthFailed(2, 'c');
  expect(pool.acquire()).toBeUndefined();
  expect(pool.nextAvailableAt()).toBe(1_000);
  clock.set(1_000);
  expect(pool.acquire()?.index).toBe(1);
});

test('a response saying nothing is left rate-limits the key until its reset', () => {
  const clock = new ManualClock(0);
  const pool = new KeyPool('openai', KEYS.slice(0, 2), undefined, clock);
  pool.recordSuccess(0, { remainingRequests: 0, remainingTokens: 5000, resetRequestsMs: 1_500, resetTokensMs: 100 });
  expect(pool.snapshot()[0]).toMatchObject({ state: 'rate_limited', until: 1_500, remainingRequests: 0, remainingTokens: 5000, calls: 1 });
  expect(pool.snapshot()[0]?.reason).toContain('requests');
  pool.recordSuccess(1, { remainingRequests: 10, remainingTokens: 0, resetTokensMs: 4_000 });
  expect(pool.snapshot()[1]).toMatchObject({ state: 'rate_limited', until: 4_000 });
  expect(pool.acquire()).toBeUndefined();
  expect(pool.nextAvailableAt()).toBe(1_500);
  // no reset given → a short default wait
  const p2 = new KeyPool('x', ['k-123456'], undefined, clock);
  p2.recordSuccess(0, { remainingTokens: 0 });
  expect(p2.nextAvailableAt()).toBe(DEFAULT_RESET_MS);
  // something left → stays active
  const p3 = new KeyPool('x', ['k-123456'], undefined, clock);
  p3.recordSuccess(0, { remainingRequests: 3 });
  expect(p3.snapshot()[0]).toMatchObject({ state: 'active', remainingRequests: 3 });
  p3.recordSuccess(0);
  expect(p3.snapshot()[0]?.calls).toBe(2);
});

test('failures are counted; out-of-range indexes are ignored', () => {
  const pool = new KeyPool('openai', KEYS.slice(0, 1), undefined, new ManualClock());
  pool.recordFailure(0);
  pool.recordSuccess(0);
  pool.recordFailure(7);
  pool.recordSuccess(-1);
  pool.markAuthFailed(9, 'x');
  pool.markRateLimited(9, 1, 'x');
  expect(pool.snapshot()).toEqual([{ provider: 'openai', index: 0, key: 'sk-…1111', state: 'active', calls: 2, failures: 1, weight: 1 }]);
});

test('a keyless provider yields index -1 once per request', () => {
  const pool = new KeyPool('ollama', [], undefined, new ManualClock());
  expect(pool.size).toBe(0);
  expect(pool.acquire()).toEqual({ index: -1, key: undefined });
  expect(pool.acquire(new Set())).toEqual({ index: -1, key: undefined });
  expect(pool.acquire(new Set([-1]))).toBeUndefined();
  expect(pool.nextAvailableAt()).toBeUndefined();
  expect(pool.snapshot()).toEqual([]);
});

test('keys are masked in snapshots', () => {
  expect(maskKey('sk-proj-abcdefghijklmnop9876')).toBe('sk-…9876');
  expect(maskKey('short-key')).toBe('…ey');
  expect(maskKey('k1')).toBe('…');
  const pool = new KeyPool('openai', ['sk-proj-abcdefghijklmnop9876'], undefined, new ManualClock());
  expect(JSON.stringify(pool.snapshot())).not.toContain('abcdef');
});
