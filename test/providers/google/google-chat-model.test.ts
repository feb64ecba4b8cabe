import { GatewayError } from '../../../gateway/core/errors';
import type { StreamPart } from '../../../gateway/core/chat-result';
import { createGoogleProvider } from '../../../gateway/providers/google';
import type { FakeServer } from '../../helpers/fake-server';
import { startGoogleFake } from '../fakes/google-fake';
import { chatRequest, collect, collectUntilError, googleSettings } from './google-test-helpers';

let fake: FakeServer;
beforeAll(async () => {
  fake = await startGoogleFake({ apiKeys: ['good-key'] });
});
afterAll(() => fake.close());
beforeEach(() => fake.requests.splice(0));

const model = () => createGoogleProvider(googleSettings(fake.url, ['good-key'])).chatModel('gemini-2.5-flash');
const hello = chatRequest({ messages: [{ role: 'user', content: 'Hello there' }] });

async function rejection(p: Promise<unknown>): Promise<GatewayError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatewayError);
  return err as GatewayError;
}

describe('Google chat model against the fake', () => {
  it('generate: posts to /v1beta/models/<id>:generateContent with x-goog-api-key and maps the echo', async () => {
    const result = await model().generate(hello, {});
    expect(fake.requests[0]?.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(fake.requests[0]?.headers['x-goog-api-key']).toBe('good-key');
    expect(result.model).toBe('gemini-2.5-flash');
    expect(result.choices).toEqual([
      { index: 0, content: 'Echo: Hello there', toolCalls: [], finishReason: { unified: 'stop', raw: 'STOP' } },
    ]);
    expect(result.usage?.totalTokens).toBe((result.usage?.promptTokens ?? 0) + (result.usage?.completionTokens ?? 0));
  });

  it('does not double /v1beta when the base URL already has it', async () => {
    const m = createGoogleProvider(googleSettings(`${fake.url}/v1beta/`, ['good-key'])).chatModel('models/gemini-2.5-flash');
    await m.generate(hello, {});
    expect(fake.requests[0]?.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
  });

  it('generate: usage with reasoning and cache, n > 1 candidates as choices', async () => {
    fake.enqueue({ text: 'Hi', usage: { input: 100, output: 10, reasoning: 40, cacheRead: 64 } });
    const r = await model().generate(chatRequest({ messages: [{ role: 'user', content: 'x' }], n: 2 }), {});
    expect(r.choices.map((c) => [c.index, c.content])).toEqual([
      [0, 'Hi'],
      [1, 'Hi [1]'],
    ]);
    expect(r.usage).toEqual({ promptTokens: 100, completionTokens: 50, totalTokens: 150, cachedPromptTokens: 64, reasoningTokens: 40 });
  });

  it('generate: tool calls get call_ ids, JSON arguments and finish tool_calls', async () => {
    fake.enqueue({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }, { name: 'get_weather', arguments: { city: 'Rome' } }] });
    const r = await model().generate(
      chatRequest({
        messages: [{ role: 'user', content: 'Weather?' }],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
        tool_choice: 'required',
      }),
      {},
    );
    const choice = r.choices[0];
    expect(choice?.finishReason).toEqual({ unified: 'tool_calls', raw: 'STOP' });
    expect(choice?.content).toBeNull();
    expect(choice?.toolCalls.map((t) => [t.name, t.arguments])).toEqual([
      ['get_weather', '{"city":"Paris"}'],
      ['get_weather', '{"city":"Rome"}'],
    ]);
    expect(choice?.toolCalls[0]?.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(choice?.toolCalls[0]?.id).not.toBe(choice?.toolCalls[1]?.id);
  });

  it('a full tool round trip is accepted by the strict fake (names resolved, parallel results merged)', async () => {
    const r = await model().generate(
      chatRequest({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: '',
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '18C' },
          { role: 'tool', tool_call_id: 'call_2', content: '{"temp":24}' },
        ],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, additionalProperties: false } } }],
        response_format: { type: 'text' },
        temperature: 0.2,
      }),
      {},
    );
    expect(r.choices[0]?.finishReason.unified).toBe('stop');
  });

  it('stream text: metadata first, text deltas, one finish, then usage; SSE via alt=sse', async () => {
    fake.enqueue({ text: 'one two three four five', usage: { input: 5, output: 5 } });
    const s = await model().stream(hello, {});
    const parts = await collect(s);
    expect(fake.requests[0]?.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(parts[0]).toMatchObject({ type: 'metadata', model: 'gemini-2.5-flash' });
    const text = parts.filter((p): p is Extract<StreamPart, { type: 'text-delta' }> => p.type === 'text-delta');
    expect(text.length).toBeGreaterThan(1);
    expect(text.map((p) => p.delta).join('')).toBe('one two three four five');
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: 'STOP' } },
      { type: 'usage', usage: { promptTokens: 5, completionTokens: 5, totalTokens: 10 } },
    ]);
  });

  it('stream tool calls: two parallel calls get indices 0 and 1, finish tool_calls comes in a later event', async () => {
    fake.enqueue({ toolCalls: [{ name: 'a', arguments: { x: 1 } }, { name: 'b', arguments: {} }], chunkDelayMs: 5 });
    const parts = await collect(await model().stream(hello, {}));
    const calls = parts.filter((p) => p.type === 'tool-call-start' || p.type === 'tool-call-delta');
    expect(calls).toEqual([
      { type: 'tool-call-start', choice: 0, index: 0, id: expect.stringMatching(/^call_/), name: 'a' },
      { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{"x":1}' },
      { type: 'tool-call-start', choice: 0, index: 1, id: expect.stringMatching(/^call_/), name: 'b' },
      { type: 'tool-call-delta', choice: 0, index: 1, argumentsDelta: '{}' },
    ]);
    expect(parts.filter((p) => p.type === 'finish')).toEqual([{ type: 'finish', choice: 0, finishReason: { unified: 'tool_calls', raw: 'STOP' } }]);
    expect(parts[parts.length - 1]?.type).toBe('usage');
  });

  it('stream with n = 2 finishes each choice once', async () => {
    fake.enqueue({ text: 'Yo', finish: 'length' });
    const parts = await collect(await model().stream(chatRequest({ messages: [{ role: 'user', content: 'x' }], n: 2 }), {}));
    expect(parts.filter((p) => p.type === 'text-delta')).toEqual([
      { type: 'text-delta', choice: 0, delta: 'Yo' },
      { type: 'text-delta', choice: 1, delta: 'Yo [1]' },
    ]);
    expect(parts.filter((p) => p.type === 'finish').map((p) => p.type === 'finish' && [p.choice, p.finishReason.unified])).toEqual([
      [0, 'length'],
      [1, 'length'],
    ]);
  });

  it('maps a safety stop to content_filter keeping the raw reason', async () => {
    fake.enqueue({ text: 'partial', rawFinish: 'PROHIBITED_CONTENT' });
    const r = await model().generate(hello, {});
    expect(r.choices[0]?.finishReason).toEqual({ unified: 'content_filter', raw: 'PROHIBITED_CONTENT' });
  });

  it('maps HTTP errors with status, provider message and Retry-After → retryAfterMs (generate and stream)', async () => {
    fake.enqueue({ error: { status: 429, message: 'Resource has been exhausted (e.g. check quota).', headers: { 'retry-after': '7' } } });
    const e1 = await rejection(model().generate(hello, {}));
    expect(e1.status).toBe(429);
    expect(e1.type).toBe('rate_limit_error');
    expect(e1.retryable).toBe(true);
    expect(e1.retryAfterMs).toBe(7000);
    expect(e1.code).toBe('RESOURCE_EXHAUSTED');
    expect(e1.message).toBe('google: Resource has been exhausted (e.g. check quota).');

    fake.enqueue({ error: { status: 503, message: 'The model is overloaded. Please try again later.' } });
    const e2 = await rejection(model().stream(hello, {}));
    expect(e2.status).toBe(503);
    expect(e2.retryable).toBe(true);
    expect(e2.provider).toBe('google');
  });

  it('takes the wait from RetryInfo.retryDelay when there is no Retry-After header', async () => {
    fake.enqueue({
      error: {
        status: 429,
        body: { error: { code: 429, message: 'quota', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '12.5s' }] } },
      },
    });
    expect((await rejection(model().generate(hello, {}))).retryAfterMs).toBe(12_500);
  });

  it('an invalid key (400 API_KEY_INVALID) becomes a 401; a missing key is Google’s 403', async () => {
    const bad = createGoogleProvider(googleSettings(fake.url, ['wrong-key'])).chatModel('gemini-2.5-flash');
    const e1 = await rejection(bad.generate(hello, {}));
    expect(e1.status).toBe(401);
    expect(e1.type).toBe('authentication_error');
    expect(e1.code).toBe('API_KEY_INVALID');
    expect(e1.message).not.toContain('wrong-key');
    const none = createGoogleProvider(googleSettings(fake.url, [])).chatModel('gemini-2.5-flash');
    const e2 = await rejection(none.stream(hello, {}));
    expect(e2.status).toBe(403);
    expect(e2.type).toBe('permission_error');
  });

  it('rotates keys round-robin', async () => {
    const f2 = await startGoogleFake();
    try {
      const m = createGoogleProvider(googleSettings(f2.url, ['k1', 'k2'])).chatModel('gemini-2.5-flash');
      await m.generate(hello, {});
      await m.generate(hello, {});
      expect(f2.requests.map((r) => r.headers['x-goog-api-key'])).toEqual(['k1', 'k2']);
    } finally {
      await f2.close();
    }
  });

  it('a dropped connection mid-stream throws a retryable GatewayError from the iterator after the parts so far', async () => {
    fake.enqueue({ text: 'a b c d e f g h', dropAfterChunks: 2, chunkDelayMs: 20 });
    const { parts, error } = await collectUntilError(await model().stream(hello, {}));
    expect(parts.filter((p) => p.type === 'text-delta').length).toBe(2);
    expect(parts.some((p) => p.type === 'finish')).toBe(false);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).retryable).toBe(true);
    expect((error as GatewayError).status).toBeGreaterThanOrEqual(500);
  });

  it('invalid requests are rejected before anything is sent', async () => {
    await expect(model().generate(chatRequest({ messages: [{ role: 'user', content: 'x' }], n: 12 }), {})).rejects.toMatchObject({ status: 400, param: 'n' });
    expect(fake.requests).toHaveLength(0);
  });

  it('listModels: configured chat and embedding models owned by google', async () => {
    const models = await createGoogleProvider(googleSettings(fake.url)).listModels();
    expect(models.map((m) => [m.id, m.ownedBy, m.capabilities?.embeddings ?? false])).toEqual([
      ['google/gemini-2.5-flash', 'google', false],
      ['google/gemini-embedding-001', 'google', true],
    ]);
  });
});
