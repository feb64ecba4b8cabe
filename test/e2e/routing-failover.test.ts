import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import type { FakeServer } from '../helpers/fake-server';
import { type GatewayHarness, rawRequest, startGateway } from '../helpers/gateway-harness';
import { startAnthropicFake } from '../providers/fakes/anthropic-fake';
import { startOpenAIFake } from '../providers/fakes/openai-fake';

/**
 * Fault injection through the fake upstreams, two providers configured: OpenAI (two keys) is the primary of
 * `gpt-4o`, Anthropic the fallback. Every client is the official `openai` SDK (retries off), which must see
 * a clean answer (failures before the first byte) or a clean error (after it).
 */
jest.setTimeout(60_000);

const KEYS = ['sk-primary-aaaa1111', 'sk-primary-bbbb2222'];
let openai: FakeServer;
let anthropic: FakeServer;
let gw: GatewayHarness;
let client: OpenAI;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-routing-'));

const CONFIG = (openaiUrl: string) => `
providers:
  - name: openai
    kind: openai
    base_url: ${openaiUrl}/v1
    api_keys: [${KEYS.join(', ')}]
    timeouts: { headers_ms: 800 }
routing:
  default_strategy: failover_chain
  circuit_breaker: { consecutive_failures: 3, min_calls: 50, cooldown_ms: 700, window_ms: 60000 }
  retry: { max_attempts: 6, base_delay_ms: 20, max_delay_ms: 200, budget_ms: 1500, max_retry_after_ms: 3000 }
  timeouts: { first_token_ms: 500 }
  models:
    gpt-4o:
      primary: openai/gpt-4o
      fallback: [anthropic/claude-3-5-sonnet-latest]
    solo:
      primary: openai/gpt-4o
`;

// Fresh fakes and a fresh gateway per test: health, circuits and key states never leak between tests.
beforeEach(async () => {
  openai = await startOpenAIFake({ apiKeys: KEYS });
  anthropic = await startAnthropicFake({ apiKeys: ['sk-ant-fallback'] });
  const file = path.join(dir, 'cb.yaml');
  fs.writeFileSync(file, CONFIG(openai.url));
  gw = await startGateway({ CB_CONFIG: file, ANTHROPIC_API_KEY: 'sk-ant-fallback', ANTHROPIC_BASE_URL: anthropic.url });
  client = gw.client();
});
afterEach(async () => {
  await gw?.close();
  await openai?.close();
  await anthropic?.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function ask(model = 'gpt-4o'): Promise<{ content: string | null | undefined; headers: Headers }> {
  const { data, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  return { content: data.choices[0]?.message.content, headers: response.headers };
}

async function providers(): Promise<Array<{ provider: string; keys: Array<{ index: number; state: string; key: string }>; targets: Array<{ target: string; circuit: string }> }>> {
  const r = await rawRequest(`${gw.api.url}/v1/providers`, { method: 'GET' });
  return (r.json() as { data: never[] }).data;
}

test.each([
  ['a 500', { error: { status: 500, message: 'boom' } }],
  ['a 503 overloaded', { error: { status: 503, message: 'overloaded' } }],
  ['a connection reset', { reset: true }],
  ['a hung upstream (headers timeout)', { hang: true }],
])('primary fails with %s → the answer comes from the fallback, and headers say so', async (_name, fault) => {
  openai.enqueue(fault); // a provider fault (not a key fault): the next candidate answers, not the other key
  const { content, headers } = await ask();
  expect(content).toBe('Echo: hi');
  expect(headers.get('x-cb-provider')).toBe('anthropic');
  expect(headers.get('x-cb-fallback')).toBe('true');
  expect(Number(headers.get('x-cb-attempts'))).toBe(2);
});

test('429 with Retry-After on one key → the other key answers; the limited key is skipped until reset', async () => {
  openai.enqueue({ error: { status: 429, message: 'rate limited', headers: { 'retry-after': '30' } } });
  const before = openai.requests.length;
  const { headers } = await ask('solo');
  expect(headers.get('x-cb-provider')).toBe('openai');
  expect(headers.get('x-cb-attempts')).toBe('2');
  const used = openai.requests.slice(before).map((r) => r.headers.authorization);
  expect(new Set(used).size).toBe(2); // rotated to the other key
  const limited = (await providers()).find((p) => p.provider === 'openai')?.keys.filter((k) => k.state === 'rate_limited') ?? [];
  expect(limited).toHaveLength(1);
  expect(limited[0]?.key).not.toContain('aaaa1111'.slice(0, 6)); // masked
  // while limited, every call uses the healthy key only
  const next = openai.requests.length;
  await ask('solo');
  await ask('solo');
  const keysAfter = new Set(openai.requests.slice(next).map((r) => r.headers.authorization));
  expect(keysAfter.size).toBe(1);
});

test('a streamed request fails over before the first byte; the SDK stream helper sees one clean answer', async () => {
  openai.enqueue({ error: { status: 502, message: 'bad gateway' } });
  const stream = client.chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'stream me' }] });
  const final = await stream.finalChatCompletion();
  expect(final.choices[0]?.message.content).toBe('Echo: stream me');
  expect(final.choices[0]?.finish_reason).toBe('stop');
});

test('a hang before the first token (stream) fails over after first_token_ms', async () => {
  openai.enqueue({ hang: true });
  const t0 = Date.now();
  const stream = client.chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'slow' }] });
  const final = await stream.finalChatCompletion();
  expect(final.choices[0]?.message.content).toBe('Echo: slow');
  expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
});

test('a drop mid-stream is not spliced: the client gets an OpenAI error event and the SDK throws', async () => {
  openai.enqueue({ text: 'one two three four five', dropAfterChunks: 3 });
  const stream = client.chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
  await expect(stream.finalChatCompletion()).rejects.toThrow();
  expect(anthropic.requests).toHaveLength(0); // no failover after the first byte: never two providers in one answer
});

test('slow but healthy primary still answers (no premature failover)', async () => {
  openai.enqueue({ text: 'slow answer', delayMs: 300 });
  const { content, headers } = await ask();
  expect(content).toBe('slow answer');
  expect(headers.get('x-cb-provider')).toBe('openai');
  expect(headers.get('x-cb-fallback')).toBe('false');
});

test('Retry-After is honoured before retrying the same provider', async () => {
  openai.enqueue({ error: { status: 503, message: 'busy', headers: { 'retry-after-ms': '400' } } });
  const before = openai.requests.length;
  const { content } = await ask('solo');
  expect(content).toBe('Echo: hi');
  const [first, second] = openai.requests.slice(before);
  expect(second!.at - first!.at).toBeGreaterThanOrEqual(380);
});

test('bad key (401) → that key is taken out and reported; the other key answers', async () => {
  openai.enqueue({ error: { status: 401, message: 'invalid key' } });
  const { headers } = await ask('solo');
  expect(headers.get('x-cb-provider')).toBe('openai');
  const keys = (await providers()).find((p) => p.provider === 'openai')?.keys ?? [];
  expect(keys.filter((k) => k.state === 'disabled')).toHaveLength(1);
});

test('every candidate failing → 503 with Retry-After within the retry budget, a clean SDK error', async () => {
  for (let i = 0; i < 20; i++) {
    openai.enqueue({ error: { status: 500, message: 'down' } });
    anthropic.enqueue({ error: { status: 500, message: 'down too' } });
  }
  const t0 = Date.now();
  const err = await ask().catch((e: unknown) => e);
  expect(Date.now() - t0).toBeLessThan(4_000);
  expect(err).toBeInstanceOf(OpenAI.APIError);
  expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
  expect((err as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toMatch(/^\d+$/);
  expect(Number((err as InstanceType<typeof OpenAI.APIError>).headers?.get('x-cb-attempts'))).toBeGreaterThanOrEqual(2);
});

test('401 on both keys → the fallback provider answers; both keys are reported disabled', async () => {
  openai.enqueue({ error: { status: 401, message: 'invalid key' } }, { error: { status: 401, message: 'invalid key' } });
  const { headers } = await ask();
  expect(headers.get('x-cb-provider')).toBe('anthropic');
  expect(headers.get('x-cb-attempts')).toBe('3');
  const keys = (await providers()).find((p) => p.provider === 'openai')?.keys ?? [];
  expect(keys.map((k) => k.state)).toEqual(['disabled', 'disabled']);
});

test('circuit: consecutive failures open it (calls skip the primary), cooldown → half-open probe → closed', async () => {
  for (let i = 0; i < 3; i++) {
    openai.enqueue({ error: { status: 500, message: 'sick' } });
    await ask();
  }
  const circuit = async (): Promise<string | undefined> => (await providers()).find((p) => p.provider === 'openai')?.targets.find((t) => t.target === 'openai/gpt-4o')?.circuit;
  expect(await circuit()).toBe('open');
  const before = openai.requests.length;
  const { headers } = await ask();
  expect(openai.requests.length).toBe(before); // primary not even tried
  expect(headers.get('x-cb-provider')).toBe('anthropic');
  expect(headers.get('x-cb-attempts')).toBe('1');
  await new Promise((r) => setTimeout(r, 750)); // cooldown
  const probe = await ask(); // half-open: one probe goes to the primary, which is healthy again
  expect(probe.headers.get('x-cb-provider')).toBe('openai');
  expect(await circuit()).toBe('closed');
});
