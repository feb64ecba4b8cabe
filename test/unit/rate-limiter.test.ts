import { type Admission, createRateLimiter, formatResetDuration, type RateLimiter } from '../../gateway/rate-limits';

/** The limiter with in-process counters (the default), and with Redis unreachable (fail-over to in-process). */

const refused = (a: Admission): Extract<Admission, { ok: false }> => {
  if (a.ok) throw new Error(`expected a refusal, got ${JSON.stringify(a)}`);
  return a;
};

let limiters: RateLimiter[] = [];
const make = (...args: Parameters<typeof createRateLimiter>): RateLimiter => {
  const l = createRateLimiter(...args);
  limiters.push(l);
  return l;
};
afterEach(async () => {
  jest.useRealTimers();
  await Promise.all(limiters.map((l) => l.close()));
  limiters = [];
});

describe('per-caller requests per minute', () => {
  test('the 4th request of a caller at rpm 3 is refused; another caller is not', async () => {
    const l = make({ limits: { per_caller: { rpm: 3 } } });
    expect(l.limitsCallers).toBe(true);
    expect(l.shared).toBe(false);
    for (let i = 0; i < 3; i++) expect((await l.admit('token-1', 10)).ok).toBe(true);
    const r = refused(await l.admit('token-1', 10));
    expect(r).toMatchObject({ scope: 'caller', kind: 'requests', limit: 3, requested: 1, tooLarge: false });
    expect(r.retryAfterMs).toBeGreaterThan(55_000);
    expect(r.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(r.headers['x-ratelimit-limit-requests']).toBe('3');
    expect(r.headers['x-ratelimit-remaining-requests']).toBe('0');
    expect(r.headers['x-ratelimit-reset-requests']).toMatch(/^(\d+(\.\d+)?s|1m0s)$/);
    expect(r.headers['x-ratelimit-limit-tokens']).toBeUndefined();
    expect((await l.admit('token-2', 10)).ok).toBe(true);
  });

  test('a new window admits again (fixed 60 s windows)', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
    const l = make({ limits: { per_caller: { rpm: 1 } } });
    expect((await l.admit('c', 1)).ok).toBe(true);
    expect(refused(await l.admit('c', 1)).retryAfterMs).toBe(60_000);
    jest.advanceTimersByTime(30_000);
    const r = refused(await l.admit('c', 1));
    expect(r.retryAfterMs).toBe(30_000);
    expect(r.headers['x-ratelimit-reset-requests']).toBe('30s');
    jest.advanceTimersByTime(30_001);
    expect((await l.admit('c', 1)).ok).toBe(true);
  });

  test('headers count down while admitted', async () => {
    const l = make({ limits: { per_caller: { rpm: 3, tpm: 1000 } } });
    const a = await l.admit('c', 100);
    expect(a.headers).toMatchObject({
      'x-ratelimit-limit-requests': '3',
      'x-ratelimit-remaining-requests': '2',
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '900',
    });
    expect(a.headers['x-ratelimit-reset-tokens']).toMatch(/^(\d+(\.\d+)?s|\d+ms|1m0s)$/);
    expect((await l.admit('c', 250)).headers['x-ratelimit-remaining-tokens']).toBe('650');
  });
});

describe('tokens per minute', () => {
  test('refused when the estimate does not fit; the refusal is refunded', async () => {
    const l = make({ limits: { per_caller: { rpm: 100, tpm: 1000 } } });
    expect((await l.admit('c', 400)).ok).toBe(true);
    expect((await l.admit('c', 400)).ok).toBe(true);
    const r = refused(await l.admit('c', 400));
    expect(r).toMatchObject({ scope: 'caller', kind: 'tokens', limit: 1000, requested: 400, tooLarge: false });
    expect(r.headers['x-ratelimit-remaining-tokens']).toBe('200');
    expect(r.headers['x-ratelimit-remaining-requests']).toBe('98'); // the refused request was given back too
    const fits = await l.admit('c', 200);
    expect(fits.ok).toBe(true);
    expect(fits.headers['x-ratelimit-remaining-tokens']).toBe('0');
  });

  test('a request larger than the limit is refused as too large and consumes nothing', async () => {
    const l = make({ limits: { per_caller: { rpm: 2, tpm: 100 } } });
    expect(refused(await l.admit('c', 150))).toMatchObject({ kind: 'tokens', tooLarge: true, requested: 150 });
    expect((await l.admit('c', 50)).ok).toBe(true);
    expect((await l.admit('c', 50)).ok).toBe(true);
    expect(refused(await l.admit('c', 0)).kind).toBe('requests'); // tokens are exactly used up, not exceeded
  });

  test('settle gives back an over-estimate and charges an under-estimate', async () => {
    const l = make({ limits: { per_caller: { tpm: 1000 } } });
    expect((await l.admit('c', 600)).ok).toBe(true);
    await l.settle('c', 600, 100); // used 100: 900 left
    expect((await l.admit('c', 800)).headers['x-ratelimit-remaining-tokens']).toBe('100');
    await l.settle('c', 800, 850); // 50 more than estimated: 50 left
    expect(refused(await l.admit('c', 60)).headers['x-ratelimit-remaining-tokens']).toBe('50');
    expect((await l.admit('c', 50)).ok).toBe(true);
  });
});

describe('global and per-caller together', () => {
  test('the caller limit and the global limit each refuse with their own scope; refusals refund the other', async () => {
    const l = make({ limits: { per_caller: { rpm: 3 }, global: { rpm: 5 } } });
    for (let i = 0; i < 3; i++) expect((await l.admit('a', 1)).ok).toBe(true);
    expect(refused(await l.admit('a', 1)).scope).toBe('caller'); // refunded from the global count
    expect(refused(await l.admit('a', 1)).scope).toBe('caller');
    expect((await l.admit('b', 1)).ok).toBe(true);
    expect((await l.admit('b', 1)).ok).toBe(true);
    const r = refused(await l.admit('b', 1));
    expect(r).toMatchObject({ scope: 'global', kind: 'requests', limit: 5 });
    expect(r.headers['x-ratelimit-limit-requests']).toBe('5');
    expect(r.headers['x-ratelimit-remaining-requests']).toBe('0');
  });

  test('headers describe the tightest limit', async () => {
    const l = make({ limits: { per_caller: { rpm: 10, tpm: 500 }, global: { rpm: 4, tpm: 10_000 } } });
    const a = await l.admit('a', 100);
    expect(a.headers).toMatchObject({
      'x-ratelimit-limit-requests': '4',
      'x-ratelimit-remaining-requests': '3',
      'x-ratelimit-limit-tokens': '500',
      'x-ratelimit-remaining-tokens': '400',
    });
  });

  test('global tokens are shared by every caller and corrected by settle', async () => {
    const l = make({ limits: { global: { tpm: 1000 } } });
    expect((await l.admit('a', 700)).ok).toBe(true);
    expect(refused(await l.admit('b', 400))).toMatchObject({ scope: 'global', kind: 'tokens' });
    await l.settle('a', 700, 200);
    expect((await l.admit('b', 400)).ok).toBe(true);
  });

  test('no limits configured: everything passes, no headers', async () => {
    const l = make({ limits: { per_caller: {}, global: {} } });
    expect(l.limitsCallers).toBe(false);
    for (let i = 0; i < 50; i++) expect(await l.admit('a', 1_000_000)).toEqual({ ok: true, headers: {} });
    await l.settle('a', 1, 2);
    expect(await l.admitKey('openai', 0, 5)).toEqual({ ok: true });
  });
});

describe('per provider key ceilings', () => {
  test('each key counts apart; a key at its ceiling is refused with a retry time', async () => {
    const l = make({ limits: {}, providerLimits: [{ provider: 'openai', keys: 2, rpm: 2, tpm: 1000 }] });
    expect(l.limitsCallers).toBe(false);
    expect(await l.admitKey('openai', 0, 10)).toEqual({ ok: true });
    expect(await l.admitKey('openai', 0, 10)).toEqual({ ok: true });
    const r = await l.admitKey('openai', 0, 10);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.retryAfterMs).toBeGreaterThan(55_000);
    expect(await l.admitKey('openai', 1, 10)).toEqual({ ok: true });
    expect(await l.admitKey('anthropic', 0, 10)).toEqual({ ok: true }); // no ceilings configured
    await expect(l.admitKey('openai', 2, 10)).rejects.toThrow(RangeError);
  });

  test('tokens: refusal refunded, settleKey corrects the estimate', async () => {
    const l = make({ limits: {}, providerLimits: [{ provider: 'p', keys: 1, tpm: 1000 }] });
    expect((await l.admitKey('p', 0, 900)).ok).toBe(true);
    expect((await l.admitKey('p', 0, 200)).ok).toBe(false);
    await l.settleKey('p', 0, 900, 300);
    expect((await l.admitKey('p', 0, 700)).ok).toBe(true);
    expect((await l.admitKey('p', 0, 1)).ok).toBe(false);
  });
});

describe('Redis unreachable', () => {
  test('fails over to in-process counters with a warning, and never throws', async () => {
    const warnings: string[] = [];
    const l = make({
      limits: { per_caller: { rpm: 2 } },
      redisUrl: 'redis://127.0.0.1:1',
      keyPrefix: 'cb-rl-unit-down',
      logger: { warn: (m) => warnings.push(m), info: () => undefined },
    });
    expect(l.shared).toBe(true);
    expect((await l.admit('c', 1)).ok).toBe(true);
    expect((await l.admit('c', 1)).ok).toBe(true);
    expect(refused(await l.admit('c', 1)).scope).toBe('caller');
    await l.settle('c', 1, 5);
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.length).toBeLessThanOrEqual(2); // throttled
    expect(warnings[0]).toMatch(/Redis unavailable .*counting in this process only/);
  });
});

test('formatResetDuration speaks OpenAI/Go durations', () => {
  expect(formatResetDuration(0)).toBe('0s');
  expect(formatResetDuration(17)).toBe('17ms');
  expect(formatResetDuration(1000)).toBe('1s');
  expect(formatResetDuration(2500)).toBe('2.5s');
  expect(formatResetDuration(59_999)).toBe('59.999s');
  expect(formatResetDuration(60_000)).toBe('1m0s');
  expect(formatResetDuration(360_000)).toBe('6m0s');
  expect(formatResetDuration(61_001)).toBe('1m1.001s');
  expect(formatResetDuration(3_600_000)).toBe('1h0m0s');
});
