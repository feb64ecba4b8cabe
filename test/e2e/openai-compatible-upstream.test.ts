import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FakeServer } from '../helpers/fake-server';
import { type GatewayHarness, rawRequest, startGateway } from '../helpers/gateway-harness';
import { startOpenAIFake, truncatedStream } from '../providers/fakes/openai-fake';

/**
 * OpenAI-compatible upstreams through the running gateway: a stream the upstream closes without its end is
 * reported as such (never accepted as a whole answer), and each kind receives only the request fields its
 * API accepts. Two strict fakes: OpenAI (400 on unknown fields) and an OpenRouter-dialect `custom` endpoint.
 */
jest.setTimeout(30_000);

let openai: FakeServer;
let router: FakeServer;
let gw: GatewayHarness;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-compat-'));

beforeAll(async () => {
  openai = await startOpenAIFake();
  router = await startOpenAIFake({ openrouter: true });
  const file = path.join(dir, 'cb.yaml');
  fs.writeFileSync(
    file,
    `
providers:
  - name: openai
    kind: openai
    base_url: ${openai.url}/v1
    api_key: sk-test
  - name: router
    kind: custom
    base_url: ${router.url}/v1
    api_key: sk-test
    models: [m]
    openrouter_compatible: true
routing:
  retry: { base_delay_ms: 10, max_delay_ms: 50, budget_ms: 2000 }
  models:
    with-fallback:
      primary: openai/gpt-4o
      fallback: [router/m]
`,
  );
  gw = await startGateway({ CB_CONFIG: file });
});
afterAll(async () => {
  await gw?.close();
  await openai?.close();
  await router?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const chat = (body: Record<string, unknown>) => rawRequest(`${gw.api.url}/v1/chat/completions`, { body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }) });
const events = (text: string): string[] => text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
const lastBody = (fake: FakeServer): Record<string, unknown> => fake.requests.at(-1)?.body as Record<string, unknown>;

describe('an upstream that closes its stream without finish_reason or [DONE]', () => {
  test('after the first byte: the stream ends with an OpenAI-style stream_truncated error event, no [DONE]; the SDK throws', async () => {
    openai.enqueue(truncatedStream({ text: 'half an answer' }));
    const r = await chat({ model: 'openai/gpt-4o', stream: true });
    expect(r.status).toBe(200);
    const data = events(r.text);
    expect(data).not.toContain('[DONE]');
    expect(data.slice(0, -1).map((d) => (JSON.parse(d) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content).join('')).toBe('half an answer');
    expect(JSON.parse(data.at(-1) ?? '')).toEqual({
      error: { message: expect.stringContaining('openai: ') as string, type: 'upstream_error', param: null, code: 'stream_truncated' },
    });

    openai.enqueue(truncatedStream({ text: 'again cut' }));
    const stream = gw.client().chat.completions.stream({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    await expect(stream.finalChatCompletion()).rejects.toThrow(/stream ended/);
  });

  test('before the first byte (only the role chunk arrived): a plain 502 stream_truncated naming the provider', async () => {
    openai.enqueue(truncatedStream({ text: 'never' }, 1));
    const r = await chat({ model: 'openai/gpt-4o', stream: true });
    expect(r.status).toBe(502);
    expect(r.headers.get('x-cb-provider')).toBe('openai');
    expect((r.json() as { error: { code: string } }).error.code).toBe('stream_truncated');
  });

  test('with no event at all, the router still fails over: the fallback answers whole', async () => {
    openai.enqueue(truncatedStream({ text: 'never' }, 0));
    const r = await chat({ model: 'with-fallback', stream: true });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-cb-provider')).toBe('router');
    expect(r.headers.get('x-cb-fallback')).toBe('true');
    expect(events(r.text).at(-1)).toBe('[DONE]');
  });
});

describe('a caller cannot hurt another', () => {
  test('invented model names leave /v1/providers (and the circuit breaker) bounded: an LRU of 100 unlisted targets', async () => {
    for (let i = 0; i < 150; i++) {
      const r = await chat({ model: `openai/invented-${i}-${'x'.repeat(200)}` });
      expect(r.status).toBe(200);
    }
    const r = await rawRequest(`${gw.api.url}/v1/providers`, { method: 'GET' });
    const targets = (r.json() as { data: Array<{ targets: Array<{ target: string }> }> }).data.flatMap((p) => p.targets.map((t) => t.target));
    expect(targets.filter((t) => t.startsWith('openai/invented-'))).toHaveLength(100);
    expect(targets).toContain(`openai/invented-149-${'x'.repeat(200)}`);
    expect(targets).not.toContain(`openai/invented-0-${'x'.repeat(200)}`);
  });
  test('deeply nested JSON is refused at the edge (400) and never counts against a provider: other callers keep their service', async () => {
    const targets = async (): Promise<Array<{ target: string; circuit: string; totalFailures: number }>> => {
      const r = await rawRequest(`${gw.api.url}/v1/providers`, { method: 'GET' });
      return (r.json() as { data: Array<{ targets: Array<{ target: string; circuit: string; totalFailures: number }> }> }).data.flatMap((p) => p.targets);
    };
    const health = await targets();
    let deep = '0';
    for (let i = 0; i < 5_000; i++) deep = `[${deep}]`;
    const before = openai.requests.length;
    for (let i = 0; i < 6; i++) {
      const r = await rawRequest(`${gw.api.url}/v1/chat/completions`, { body: `{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"extra":${deep}}` });
      expect(r.status).toBe(400);
      expect((r.json() as { error: { code: string } }).error.code).toBe('json_too_deep');
    }
    expect(openai.requests.length).toBe(before);
    expect(await targets()).toEqual(health); // no failure counted, no circuit opened
    const ok = await chat({ model: 'gpt-4o' });
    expect(ok.status).toBe(200);
  });
});

describe('request fields: each kind receives only what its API accepts', () => {
  const extras = { usage: { include: true }, plugins: [{ id: 'web' }], top_k: 40, repetition_penalty: 1.1, min_p: 0.05, top_a: 0.1, transforms: ['middle-out'] };
  const routing = { models: ['router/m'], provider: { order: ['openai'] }, circuit_breaker: { strategy: 'failover_chain' } };

  test('openai: OpenRouter fields are accepted from the client and never reach OpenAI (which would answer 400)', async () => {
    const r = await chat({ model: 'openai/gpt-4o', ...extras, ...routing, reasoning: { effort: 'low' }, seed: 7 });
    expect(r.status).toBe(200);
    const body = lastBody(openai);
    expect(body).toMatchObject({ model: 'gpt-4o', seed: 7, reasoning_effort: 'low' });
    for (const k of [...Object.keys(extras), ...Object.keys(routing), 'reasoning']) expect(body).not.toHaveProperty(k);
  });

  test('usage: {include: true} on a stream ends it with the usage chunk (as OpenRouter does), asked of OpenAI as include_usage', async () => {
    const r = await chat({ model: 'openai/gpt-4o', stream: true, usage: { include: true } });
    expect(r.status).toBe(200);
    const data = events(r.text);
    expect(data.at(-1)).toBe('[DONE]');
    const last = JSON.parse(data.at(-2) ?? '') as { choices: unknown[]; usage: { total_tokens: number } | null };
    expect(last.choices).toEqual([]);
    expect(last.usage?.total_tokens).toBeGreaterThan(0);
    expect(lastBody(openai)).toMatchObject({ stream_options: { include_usage: true } });
    expect(lastBody(openai)).not.toHaveProperty('usage');
  });

  test('a custom endpoint declared openrouter_compatible receives the OpenRouter samplers, never our routing fields', async () => {
    const r = await chat({ model: 'router/m', ...extras, ...routing, stream: true });
    expect(r.status).toBe(200);
    const body = lastBody(router);
    expect(body).toMatchObject({ ...extras, stream: true, stream_options: { include_usage: true } });
    for (const k of Object.keys(routing)) expect(body).not.toHaveProperty(k);
  });
});
