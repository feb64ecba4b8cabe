import { GatewayError } from '../../../gateway/core/errors';
import { createAnthropicProvider, messagesUrl } from '../../../gateway/providers/anthropic';
import type { FakeServer } from '../../helpers/fake-server';
import { startAnthropicFake } from '../fakes/anthropic-fake';
import { anthropicSettings, argumentsOf, chatRequest, collect, collectUntilError, textOf } from './helpers';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

let fake: FakeServer;
beforeAll(async () => {
  fake = await startAnthropicFake({ apiKeys: ['sk-ant-test-1', 'sk-ant-test-2'] });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
});

function model(over: Parameters<typeof anthropicSettings>[1] = {}) {
  return createAnthropicProvider(anthropicSettings(fake.url, over)).chatModel('claude-sonnet-4-5');
}
async function rejection(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('expected a rejection');
}

describe('messagesUrl', () => {
  it('appends /v1/messages, without doubling /v1 or slashes', () => {
    expect(messagesUrl('https://api.anthropic.com')).toBe('https://api.anthropic.com/v1/messages');
    expect(messagesUrl('https://api.anthropic.com/')).toBe('https://api.anthropic.com/v1/messages');
    expect(messagesUrl('https://proxy.example/anthropic/v1')).toBe('https://proxy.example/anthropic/v1/messages');
  });
});

describe('Anthropic provider', () => {
  it('lists configured models as owned by anthropic and has no embeddings', async () => {
    const provider = createAnthropicProvider(anthropicSettings(fake.url));
    const models = await provider.listModels();
    expect(models.map((m) => [m.id, m.ownedBy, m.kind])).toEqual([
      ['anthropic/claude-sonnet-4-5', 'anthropic', 'anthropic'],
      ['anthropic/claude-haiku-4-5', 'anthropic', 'anthropic'],
    ]);
    expect(provider.embeddingModel('x')).toBeUndefined();
    expect(provider.chatModel('claude-haiku-4-5')).toMatchObject({ provider: 'anthropic', kind: 'anthropic', modelId: 'claude-haiku-4-5' });
  });
});

describe('generate', () => {
  it('echoes through the fake with correct headers, path, body and usage', async () => {
    const m = model({ headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } });
    const result = await m.generate(chatRequest({ messages: [{ role: 'system', content: 'Be nice.' }, { role: 'user', content: 'hello' }] }), {});
    expect(result.choices).toEqual([
      { index: 0, content: 'Echo: hello', toolCalls: [], finishReason: { unified: 'stop', raw: 'end_turn' } },
    ]);
    expect(result.id).toMatch(/^msg_/);
    expect(result.model).toBe('claude-sonnet-4-5');
    expect(result.usage?.totalTokens).toBe((result.usage?.promptTokens ?? 0) + (result.usage?.completionTokens ?? 0));
    const req = fake.requests[0];
    expect(req?.path).toBe('/v1/messages');
    expect(req?.headers['x-api-key']).toBe('sk-ant-test-1');
    expect(req?.headers['anthropic-version']).toBe('2023-06-01');
    expect(req?.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
    expect(req?.body).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 4096, system: 'Be nice.' });
  });

  it('works with a base URL that already ends in /v1', async () => {
    const result = await model({ baseUrl: `${fake.url}/v1` }).generate(chatRequest({ messages: [{ role: 'user', content: 'v1' }] }), {});
    expect(result.choices[0]?.content).toBe('Echo: v1');
    expect(fake.requests[0]?.path).toBe('/v1/messages');
  });

  it('rotates keys round-robin', async () => {
    const m = model({ apiKeys: ['sk-ant-test-1', 'sk-ant-test-2'] });
    await m.generate(chatRequest({ messages: [{ role: 'user', content: 'a' }] }), {});
    await m.generate(chatRequest({ messages: [{ role: 'user', content: 'b' }] }), {});
    expect(fake.requests.map((r) => r.headers['x-api-key'])).toEqual(['sk-ant-test-1', 'sk-ant-test-2']);
  });

  it('maps cache usage: prompt includes cache read and write', async () => {
    fake.enqueue({ text: 'cached', usage: { input: 1500, output: 20, cacheRead: 1200, cacheWrite: 250 } });
    const result = await model().generate(chatRequest({ messages: [{ role: 'user', content: 'x' }] }), {});
    expect(result.usage).toEqual({ promptTokens: 1500, completionTokens: 20, totalTokens: 1520, cachedPromptTokens: 1200, cacheWriteTokens: 250 });
  });

  it('returns parallel tool calls, and the tool results round-trip as one merged user turn', async () => {
    const tools = [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    fake.enqueue({ toolCalls: [{ name: 'weather', arguments: { city: 'Paris' } }, { name: 'weather', arguments: { city: 'Rome' } }] });
    const first = await model().generate(chatRequest({ messages: [{ role: 'user', content: 'weather?' }], tools }), {});
    const choice = first.choices[0];
    expect(choice?.finishReason).toEqual({ unified: 'tool_calls', raw: 'tool_use' });
    expect(choice?.content).toBeNull();
    expect(choice?.toolCalls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([
      ['weather', { city: 'Paris' }],
      ['weather', { city: 'Rome' }],
    ]);
    expect(choice?.toolCalls[0]?.id).toMatch(/^toolu_/);

    const calls = choice?.toolCalls ?? [];
    const second = await model().generate(
      chatRequest({
        tools,
        messages: [
          { role: 'user', content: 'weather?' },
          { role: 'assistant', content: '', tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) },
          ...calls.map((c, i) => ({ role: 'tool', tool_call_id: c.id, content: i === 0 ? '18C' : '25C' })),
          { role: 'user', content: 'which is warmer?' },
        ],
      }),
      {},
    );
    expect(second.choices[0]?.content).toBe('Echo: which is warmer?');
  });

  it('accepts what the real API rejects only after translation: image/jpg, temperature 1.8, assistant first, n=1', async () => {
    const result = await model().generate(
      chatRequest({
        temperature: 1.8,
        n: 1,
        messages: [
          { role: 'assistant', content: 'Hi! Send me a picture.' },
          { role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/jpg;base64,${PNG}` } }, { type: 'text', text: 'see' }] },
        ],
      }),
      {},
    );
    expect(result.choices[0]?.content).toBe('Echo: see');
    expect(fake.requests[0]?.body).toMatchObject({ temperature: 1 });
  });

  it('json_schema: the forced tool input becomes the content, finish stop', async () => {
    fake.enqueue({ toolCalls: [{ name: 'city_info', arguments: { city: 'Paris', population: 2100000 } }] });
    const result = await model().generate(
      chatRequest({
        messages: [{ role: 'user', content: 'Paris facts' }],
        response_format: { type: 'json_schema', json_schema: { name: 'city_info', schema: { type: 'object', properties: { city: { type: 'string' } } } } },
      }),
      {},
    );
    expect(result.choices[0]).toMatchObject({ content: '{"city":"Paris","population":2100000}', toolCalls: [], finishReason: { unified: 'stop' } });
    expect(fake.requests[0]?.body).toMatchObject({ tool_choice: { type: 'tool', name: 'city_info' } });
  });

  it('maps finish reasons from the wire: max_tokens → length, refusal → content_filter', async () => {
    fake.enqueue({ text: 'cut', finish: 'length' }, { text: '', rawFinish: 'refusal' });
    const a = await model().generate(chatRequest({ messages: [{ role: 'user', content: 'x' }] }), {});
    const b = await model().generate(chatRequest({ messages: [{ role: 'user', content: 'x' }] }), {});
    expect(a.choices[0]?.finishReason).toEqual({ unified: 'length', raw: 'max_tokens' });
    expect(b.choices[0]?.finishReason).toEqual({ unified: 'content_filter', raw: 'refusal' });
    expect(b.choices[0]?.content).toBe('');
  });
});

describe('errors', () => {
  it('429 carries status, Anthropic message and Retry-After as retryAfterMs', async () => {
    fake.enqueue({ error: { status: 429, message: 'Number of request tokens has exceeded your per-minute rate limit', headers: { 'retry-after': '7' } } });
    const e = await rejection(model().generate(chatRequest({ messages: [{ role: 'user', content: 'x' }] }), {}));
    expect(e).toMatchObject({ status: 429, type: 'rate_limit_error', retryable: true, retryAfterMs: 7000, provider: 'anthropic', code: 'rate_limit_error' });
    expect(e.message).toBe('anthropic: Number of request tokens has exceeded your per-minute rate limit');
  });

  it('529 overloaded → 503, and stream() rejects before the first part', async () => {
    fake.enqueue({ error: { status: 529, message: 'Overloaded' } });
    const e = await rejection(model().stream(chatRequest({ messages: [{ role: 'user', content: 'x' }], stream: true }), {}));
    expect(e).toMatchObject({ status: 503, type: 'service_unavailable_error', retryable: true, code: 'overloaded_error' });
  });

  it('a bad key → 401 authentication_error without the key in the message', async () => {
    const e = await rejection(model({ apiKeys: ['sk-ant-WRONG-secret'] }).generate(chatRequest({ messages: [{ role: 'user', content: 'x' }] }), {}));
    expect(e).toMatchObject({ status: 401, type: 'authentication_error', retryable: false });
    expect(e.message).not.toContain('sk-ant-WRONG-secret');
  });

  it('no configured key → 401 without calling upstream', async () => {
    const e = await rejection(model({ apiKeys: [] }).generate(chatRequest({ messages: [{ role: 'user', content: 'x' }] }), {}));
    expect(e.status).toBe(401);
    expect(fake.requests).toHaveLength(0);
  });

  it('an unparseable error body falls back to the raw text', async () => {
    fake.enqueue({ error: { status: 500, body: 'upstream exploded' } });
    const e = await rejection(model().generate(chatRequest({ messages: [{ role: 'user', content: 'x' }] }), {}));
    expect(e).toMatchObject({ status: 500, retryable: true });
    expect(e.message).toContain('upstream exploded');
  });

  it('n > 1 is refused before any upstream call', async () => {
    const e = await rejection(model().generate(chatRequest({ messages: [{ role: 'user', content: 'x' }], n: 3 }), {}));
    expect(e).toMatchObject({ status: 400, param: 'n' });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('stream', () => {
  it('streams text: metadata first, deltas, one finish, usage last; rate-limit headers exposed', async () => {
    fake.enqueue({ text: 'Hello there, streaming world!', usage: { input: 30, output: 9, cacheRead: 10 } });
    const s = await model().stream(chatRequest({ messages: [{ role: 'user', content: 'x' }], stream: true }), {});
    expect(s.headers['request-id']).toBeDefined();
    expect(s.headers['anthropic-ratelimit-requests-remaining']).toBe('3999');
    const parts = await collect(s);
    expect(parts[0]).toMatchObject({ type: 'metadata', model: 'claude-sonnet-4-5' });
    expect(parts.filter((p) => p.type === 'text-delta').length).toBeGreaterThan(1);
    expect(textOf(parts)).toBe('Hello there, streaming world!');
    expect(parts.filter((p) => p.type === 'finish')).toEqual([{ type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: 'end_turn' } }]);
    expect(parts[parts.length - 1]).toEqual({
      type: 'usage',
      usage: { promptTokens: 30, completionTokens: 9, totalTokens: 39, cachedPromptTokens: 10, cacheWriteTokens: 0 },
    });
    expect(fake.requests[0]?.body).toMatchObject({ stream: true });
  });

  it('streams two parallel tool calls with distinct indexes after text', async () => {
    fake.enqueue({
      text: 'Let me look both up.',
      toolCalls: [
        { id: 'toolu_01A', name: 'weather', arguments: { city: 'Paris', unit: 'celsius' } },
        { id: 'toolu_01B', name: 'weather', arguments: { city: 'Rome', unit: 'celsius' } },
      ],
    });
    const tools = [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }];
    const parts = await collect(await model().stream(chatRequest({ messages: [{ role: 'user', content: 'x' }], tools, stream: true }), {}));
    expect(parts.filter((p) => p.type === 'tool-call-start')).toEqual([
      { type: 'tool-call-start', choice: 0, index: 0, id: 'toolu_01A', name: 'weather' },
      { type: 'tool-call-start', choice: 0, index: 1, id: 'toolu_01B', name: 'weather' },
    ]);
    expect(JSON.parse(argumentsOf(parts, 0))).toEqual({ city: 'Paris', unit: 'celsius' });
    expect(JSON.parse(argumentsOf(parts, 1))).toEqual({ city: 'Rome', unit: 'celsius' });
    expect(parts.filter((p) => p.type === 'tool-call-delta').length).toBeGreaterThan(2);
    expect(textOf(parts)).toBe('Let me look both up.');
    expect(parts.find((p) => p.type === 'finish')).toMatchObject({ finishReason: { unified: 'tool_calls', raw: 'tool_use' } });
    expect(parts[parts.length - 1]?.type).toBe('usage');
  });

  it('streams a json_schema answer as text', async () => {
    const parts = await collect(
      await model().stream(
        chatRequest({ stream: true, messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_schema', json_schema: { name: 'echo_obj', schema: { type: 'object' } } } }),
        {},
      ),
    );
    expect(JSON.parse(textOf(parts))).toEqual({ echo: 'Echo: hi' });
    expect(parts.find((p) => p.type === 'finish')).toMatchObject({ finishReason: { unified: 'stop' } });
  });

  it('a mid-stream overloaded error is thrown from the iterator after the first parts', async () => {
    fake.enqueue({ text: 'This will be interrupted', error: { status: 529, message: 'Overloaded' } });
    const s = await model().stream(chatRequest({ messages: [{ role: 'user', content: 'x' }], stream: true }), {});
    const { parts, error } = await collectUntilError(s);
    expect(textOf(parts).length).toBeGreaterThan(0);
    expect(parts.some((p) => p.type === 'finish')).toBe(false);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 503, retryable: true, code: 'overloaded_error', message: 'anthropic: Overloaded' });
  });

  it('a dropped connection mid-stream throws a retryable 502', async () => {
    fake.enqueue({ text: 'This connection will drop soon enough', dropAfterChunks: 4, chunkDelayMs: 10 });
    const s = await model().stream(chatRequest({ messages: [{ role: 'user', content: 'x' }], stream: true }), {});
    const { parts, error } = await collectUntilError(s);
    expect(parts[0]?.type).toBe('metadata');
    expect(parts.some((p) => p.type === 'finish')).toBe(false);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 502, retryable: true });
  });

  it('a consumer that stops early does not hang', async () => {
    fake.enqueue({ text: 'a long answer that the client abandons midway', chunkDelayMs: 5 });
    const s = await model().stream(chatRequest({ messages: [{ role: 'user', content: 'x' }], stream: true }), {});
    let n = 0;
    for await (const p of s) {
      if (p.type === 'text-delta' && ++n === 2) break;
    }
    expect(n).toBe(2);
  });

  it('abort before the answer → 499 aborted', async () => {
    fake.enqueue({ text: 'slow', delayMs: 500 });
    const ctrl = new AbortController();
    const p = model().stream(chatRequest({ messages: [{ role: 'user', content: 'x' }], stream: true }), { signal: ctrl.signal });
    setTimeout(() => ctrl.abort(), 20);
    const e = await rejection(p);
    expect(e).toMatchObject({ status: 499, code: 'aborted' });
  });
});
