import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type OpenAI from 'openai';
import type { FakeServer } from '../helpers/fake-server';
import { type GatewayHarness, rawRequest, startGateway } from '../helpers/gateway-harness';
import { startAnthropicFake } from '../providers/fakes/anthropic-fake';
import { startGoogleFake } from '../providers/fakes/google-fake';
import { startOpenAIFake } from '../providers/fakes/openai-fake';

/**
 * Strategies, virtual models, aliases, OpenRouter request extensions and hot reload, end to end through the
 * API with the official SDK against three fake providers.
 */
jest.setTimeout(60_000);

let openai: FakeServer;
let anthropic: FakeServer;
let google: FakeServer;
let gw: GatewayHarness;
let client: OpenAI;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-strategies-'));
const file = path.join(dir, 'cb.yaml');

const config = (primary: string): string => `
routing:
  prices:
    openai/gpt-4o-mini: { input: 0.15, output: 0.6 }
    anthropic/claude-3-5-haiku-latest: { input: 0.8, output: 4 }
    google/gemini-2.0-flash: { input: 0.1, output: 0.4 }
  groups:
    cb:cost-optimal: [anthropic/claude-3-5-haiku-latest, openai/gpt-4o-mini, google/gemini-2.0-flash]
    cb:balanced: [openai/gpt-4o-mini, anthropic/claude-3-5-haiku-latest, google/gemini-2.0-flash]
  models:
    smart:
      primary: ${primary}
      fallback: [google/gemini-2.0-flash]
    code_generation:
      providers: [openai, anthropic]
      strategy: failover_chain
`;

beforeAll(async () => {
  openai = await startOpenAIFake({ apiKeys: ['sk-o'] });
  anthropic = await startAnthropicFake({ apiKeys: ['sk-a'] });
  google = await startGoogleFake({ apiKeys: ['g-1'] });
  fs.writeFileSync(file, config('openai/gpt-4o'));
  gw = await startGateway({
    CB_CONFIG: file,
    OPENAI_API_KEY: 'sk-o',
    OPENAI_BASE_URL: `${openai.url}/v1`,
    ANTHROPIC_API_KEY: 'sk-a',
    ANTHROPIC_BASE_URL: anthropic.url,
    GOOGLE_API_KEY: 'g-1',
    GOOGLE_BASE_URL: google.url,
  });
  client = gw.client();
});
afterAll(async () => {
  await gw?.close();
  await Promise.all([openai, anthropic, google].map((f) => f?.close()));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function who(body: Record<string, unknown>): Promise<{ status: number; provider: string | null; fallback: string | null; json: unknown }> {
  const r = await rawRequest(`${gw.api.url}/v1/chat/completions`, { body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }) });
  return { status: r.status, provider: r.headers.get('x-cb-provider'), fallback: r.headers.get('x-cb-fallback'), json: r.json() };
}

test('cb:cost-optimal picks the cheapest of its group', async () => {
  expect((await who({ model: 'cb:cost-optimal' })).provider).toBe('google');
});

test('cb:balanced rotates across its group', async () => {
  const seen = new Set<string | null>();
  for (let i = 0; i < 6; i++) seen.add((await who({ model: 'cb:balanced' })).provider);
  expect(seen).toEqual(new Set(['openai', 'anthropic', 'google']));
});

test('an alias over providers answers from the first provider', async () => {
  const r = await who({ model: 'code_generation' });
  expect(r.status).toBe(200);
  expect(r.provider).toBe('openai');
});

test('OpenRouter `models` fallback list: the primary fails, the next listed model answers', async () => {
  openai.enqueue({ error: { status: 500, message: 'down' } });
  const r = await who({ model: 'openai/gpt-4o', models: ['anthropic/claude-3-5-sonnet-latest'], route: 'fallback' });
  expect(r.provider).toBe('anthropic');
  expect(r.fallback).toBe('true');
});

test('OpenRouter `provider.only` / `ignore` / `order` and `allow_fallbacks: false`', async () => {
  expect((await who({ model: 'cb:balanced', provider: { only: ['anthropic'] } })).provider).toBe('anthropic');
  expect((await who({ model: 'smart', provider: { ignore: ['openai'] } })).provider).toBe('google');
  expect((await who({ model: 'smart', provider: { order: ['google', 'openai'] } })).provider).toBe('google');
  // without fallbacks a failing primary is retried (after backoff), never replaced by the fallback
  openai.enqueue({ error: { status: 500, message: 'down' } });
  const googleBefore = google.requests.length;
  const noFallback = await who({ model: 'smart', provider: { allow_fallbacks: false } });
  expect(noFallback.status).toBe(200);
  expect(noFallback.provider).toBe('openai');
  expect(noFallback.fallback).toBe('false');
  expect(google.requests.length).toBe(googleBefore);
});

test('our `circuit_breaker` extension: preferred providers and a cost ceiling; unknown fields are ignored', async () => {
  expect((await who({ model: 'smart', circuit_breaker: { preferred_providers: ['google'] }, some_future_field: { x: 1 } })).provider).toBe('google');
  const cheap = await who({ model: 'cb:balanced', circuit_breaker: { max_cost_per_1k_tokens: 0.0003 } });
  expect(cheap.provider).toBe('google');
});

test('invalid extension values are a 400 naming the field', async () => {
  const r = await who({ model: 'smart', provider: { sort: 'vibes' } });
  expect(r.status).toBe(400);
  expect((r.json as { error: { param: string } }).error.param).toContain('provider');
});

test('the routing section is hot-reloaded when the file changes', async () => {
  expect((await who({ model: 'smart' })).provider).toBe('openai');
  fs.writeFileSync(file, config('anthropic/claude-3-5-sonnet-latest'));
  const deadline = Date.now() + 5_000;
  let provider: string | null = null;
  while (Date.now() < deadline && provider !== 'anthropic') {
    await new Promise((r) => setTimeout(r, 100));
    provider = (await who({ model: 'smart' })).provider;
  }
  expect(provider).toBe('anthropic');
  // an invalid edit keeps the routing in force
  fs.writeFileSync(file, 'routing:\n  default_strategy: telepathy\n');
  await new Promise((r) => setTimeout(r, 600));
  expect((await who({ model: 'smart' })).provider).toBe('anthropic');
});

test('the SDK works unchanged with a virtual model and streaming', async () => {
  const stream = client.chat.completions.stream({ model: 'cb:cost-optimal', messages: [{ role: 'user', content: 'cheap stream' }] });
  const final = await stream.finalChatCompletion();
  expect(final.choices[0]?.message.content).toBe('Echo: cheap stream');
});
