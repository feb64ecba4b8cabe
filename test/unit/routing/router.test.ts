import { loadConfig } from '../../../config/load-config';
import { chatRequestSchema } from '../../../gateway/core/chat-request';
import { GatewayError } from '../../../gateway/core/errors';
import { backoffDelay } from '../../../gateway/routing/backoff';
import { ManualClock } from '../../helpers/manual-clock';
import { GatewayRuntime } from '../../../gateway/routing/gateway-runtime';
import { classify } from '../../../gateway/routing/router';
import { type RoutingConfig, routingConfigSchema } from '../../../gateway/routing/routing-config';
import type { FakeServer } from '../../helpers/fake-server';
import { startOpenAIFake } from '../../providers/fakes/openai-fake';

/**
 * The executor's timing decisions with a controllable clock: the upstream is a real (fake) HTTP server, the
 * clock and the sleep between attempts are injected, so backoff and Retry-After are asserted exactly.
 */
let fake: FakeServer;
beforeAll(async () => {
  fake = await startOpenAIFake({ apiKeys: ['k1'] });
});
afterAll(() => fake.close());

function runtime(routing: Partial<Record<keyof RoutingConfig, unknown>>): { rt: GatewayRuntime; clock: ManualClock; sleeps: number[] } {
  const clock = new ManualClock(1_000_000);
  const sleeps: number[] = [];
  const cfg = routingConfigSchema.parse(routing);
  const providers = loadConfig({ OPENAI_API_KEY: 'k1', OPENAI_BASE_URL: `${fake.url}/v1` }).providers;
  const rt = new GatewayRuntime(providers, () => cfg, {
    clock,
    sleep: (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
      return Promise.resolve();
    },
  });
  return { rt, clock, sleeps };
}

const request = chatRequestSchema.parse({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
const route = { model: 'openai/gpt-4o', stream: false, request, extensions: {} };
const signal = new AbortController().signal;

test('backoffDelay: exponential, capped, full jitter in [d/2, d]', () => {
  const retry = routingConfigSchema.parse({}).retry;
  const cfg = { ...retry, base_delay_ms: 100, max_delay_ms: 1_000, jitter: false };
  expect([0, 1, 2, 3, 4, 5].map((r) => backoffDelay(r, cfg))).toEqual([100, 200, 400, 800, 1000, 1000]);
  const jittered = { ...cfg, jitter: true };
  expect(backoffDelay(2, jittered, () => 0)).toBe(200);
  expect(backoffDelay(2, jittered, () => 1)).toBe(400);
});

test('classify: key-level, target-level, retryable and fatal outcomes come from the status', () => {
  const on = routingConfigSchema.parse({}).retry.on_status_codes;
  const e = (status: number, retryable?: boolean): GatewayError => new GatewayError({ status, message: 'x', retryable });
  expect([401, 403, 429, 404, 500, 503, 529, 408, 400, 422, 413].map((s) => classify(e(s), on))).toEqual([
    'key-auth', 'key-auth', 'key-rate', 'missing', 'retryable', 'retryable', 'retryable', 'retryable', 'fatal', 'fatal', 'fatal',
  ]);
  expect(classify(new GatewayError({ status: 499, code: 'aborted', message: 'gone' }), on)).toBe('aborted');
  expect(classify(e(500), [429])).toBe('retryable'); // a retryable 5xx network failure still is
  expect(classify(e(500, false), [429])).toBe('fatal'); // unless the data says otherwise
});

test('singlePass: one call per candidate, no backoff sleep; the error asks for a wait only when the upstream did', async () => {
  const { rt, sleeps } = runtime({ retry: { base_delay_ms: 100, max_delay_ms: 1_000, jitter: false } });
  const before = fake.requests.length;
  fake.enqueue({ error: { status: 500 } });
  const plain = await rt.router.generate(route, { signal, singlePass: true }).then(() => undefined, (e: unknown) => e);
  expect(plain).toBeInstanceOf(GatewayError);
  expect(plain).toMatchObject({ status: 503, code: 'no_healthy_provider', retryAfterMs: undefined });
  expect(fake.requests.length - before).toBe(1);
  expect(sleeps).toEqual([]);

  fake.enqueue({ error: { status: 503, headers: { 'retry-after': '3' } } });
  const asked = await rt.router.generate(route, { signal, singlePass: true }).then(() => undefined, (e: unknown) => e);
  expect(asked).toMatchObject({ status: 503, retryAfterMs: 3_000 });
  expect(fake.requests.length - before).toBe(2);
  expect(sleeps).toEqual([]);
});

test('retries the only candidate with exponential backoff, then answers', async () => {
  const { rt, sleeps } = runtime({ retry: { base_delay_ms: 100, max_delay_ms: 1_000, jitter: false } });
  fake.enqueue({ error: { status: 500 } }, { error: { status: 502 } });
  const r = await rt.router.generate(route, { signal });
  expect(r.value.choices[0]?.content).toBe('Echo: hi');
  expect(r.attempts.map((a) => a.status)).toEqual([500, 502, 200]);
  expect(sleeps).toEqual([100, 200]);
});

test('waits exactly as long as Retry-After asks when it is longer than the backoff', async () => {
  const { rt, sleeps } = runtime({ retry: { base_delay_ms: 100, jitter: false } });
  fake.enqueue({ error: { status: 503, headers: { 'retry-after-ms': '1700' } } });
  await rt.router.generate(route, { signal });
  expect(sleeps).toEqual([1_700]);
});

test('a Retry-After beyond max_retry_after_ms is not waited for: 503 at once, with Retry-After', async () => {
  const { rt, sleeps } = runtime({ retry: { max_retry_after_ms: 2_000 } });
  fake.enqueue({ error: { status: 503, headers: { 'retry-after': '60' } } });
  const err = await rt.router.generate(route, { signal }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GatewayError);
  expect((err as GatewayError).status).toBe(503);
  expect(sleeps).toEqual([]);
});

test('the retry budget bounds the waiting: then 503 with Retry-After', async () => {
  const { rt, sleeps } = runtime({ retry: { base_delay_ms: 400, max_delay_ms: 400, jitter: false, budget_ms: 1_000, max_attempts: 10 } });
  for (let i = 0; i < 10; i++) fake.enqueue({ error: { status: 500 } });
  const err = (await rt.router.generate(route, { signal }).catch((e: unknown) => e)) as GatewayError;
  expect(err.status).toBe(503);
  expect(err.retryAfterMs).toBeGreaterThan(0);
  expect(err.headers?.['x-cb-attempts']).toBe('3');
  expect(sleeps).toEqual([400, 400]);
  await drain();
});

test('circuit with the manual clock: opens after consecutive failures, half-opens after the cooldown', async () => {
  const { rt, clock } = runtime({ circuit_breaker: { consecutive_failures: 2, cooldown_ms: 5_000 }, retry: { max_attempts: 2, jitter: false, budget_ms: 1_000 } });
  fake.enqueue({ error: { status: 500 } }, { error: { status: 500 } });
  await expect(rt.router.generate(route, { signal })).rejects.toMatchObject({ status: 503 });
  expect(rt.circuits.get('openai/gpt-4o').circuit).toBe('open');
  const calls = fake.requests.length;
  // open: no upstream call at all, 503 naming when to come back
  const open = (await rt.router.generate(route, { signal }).catch((e: unknown) => e)) as GatewayError;
  expect(open.status).toBe(503);
  expect(fake.requests.length).toBe(calls);
  expect(open.retryAfterMs).toBeGreaterThanOrEqual(4_000); // ≈ until the circuit half-opens
  clock.advance(5_000);
  const r = await rt.router.generate(route, { signal });
  expect(r.value.choices[0]?.content).toBe('Echo: hi');
  expect(rt.circuits.get('openai/gpt-4o').circuit).toBe('closed');
});

test('when every candidate is open, the router waits for the half-open probe within its budget', async () => {
  const { rt, sleeps } = runtime({ circuit_breaker: { consecutive_failures: 1, cooldown_ms: 3_000 }, retry: { max_attempts: 1, jitter: false, budget_ms: 10_000 } });
  fake.enqueue({ error: { status: 500 } });
  await expect(rt.router.generate(route, { signal })).rejects.toMatchObject({ status: 503 });
  const r = await rt.router.generate(route, { signal });
  expect(r.value.choices[0]?.content).toBe('Echo: hi');
  expect(sleeps).toEqual([3_000]);
});

async function drain(): Promise<void> {
  // consume replies a test queued but the router did not use
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`${fake.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer k1', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'drain' }] }) });
    if ((await res.text()).includes('Echo: drain')) return;
  }
}
