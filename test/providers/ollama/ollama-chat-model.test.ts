import { GatewayError } from '../../../gateway/core/errors';
import { createOllamaProvider } from '../../../gateway/providers/ollama';
import type { FakeServer } from '../../helpers/fake-server';
import { startOllamaFake } from '../fakes/ollama-fake';
import { chatRequest, collect, collectUntilError, ollamaSettings } from './ollama-test-utils';

let fake: FakeServer;
beforeEach(async () => {
  fake = await startOllamaFake();
});
afterEach(async () => {
  await fake.close();
});

const model = (id = 'llama3.2') => createOllamaProvider(ollamaSettings(fake.url)).chatModel(id);
const lastBody = () => fake.requests[fake.requests.length - 1]?.body as Record<string, unknown>;

describe('OllamaChatModel.generate', () => {
  it('posts stream:false to /api/chat and maps text, finish, usage and created', async () => {
    fake.enqueue({ text: 'Bonjour!', usage: { input: 21, output: 4 } });
    const result = await model().generate(chatRequest({ temperature: 0.3, max_tokens: 50 }), {});
    expect(fake.requests[0]?.path).toBe('/api/chat');
    expect(lastBody()).toMatchObject({ model: 'llama3.2', stream: false, options: { temperature: 0.3, num_predict: 50 } });
    expect(result).toEqual({
      model: 'llama3.2:latest',
      created: Math.floor(Date.parse('2025-03-14T09:26:53.589Z') / 1000),
      choices: [{ index: 0, content: 'Bonjour!', toolCalls: [], finishReason: { unified: 'stop', raw: 'stop' } }],
      usage: { promptTokens: 21, completionTokens: 4, totalTokens: 25 },
    });
  });

  it('answers the deterministic echo when nothing is queued', async () => {
    const result = await model().generate(chatRequest(), {});
    expect(result.choices[0]?.content).toBe('Echo: Hello there');
  });

  it('stringifies argument objects, generates call_ ids, reports tool_calls and content null', async () => {
    fake.enqueue({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }, { name: 'get_weather', arguments: { city: 'Tokyo' } }] });
    const result = await model().generate(chatRequest({ tools: [{ type: 'function', function: { name: 'get_weather' } }] }), {});
    const choice = result.choices[0];
    expect(choice?.content).toBeNull();
    expect(choice?.finishReason).toEqual({ unified: 'tool_calls', raw: 'stop' });
    expect(choice?.toolCalls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([
      ['get_weather', { city: 'Paris' }],
      ['get_weather', { city: 'Tokyo' }],
    ]);
    const ids = choice?.toolCalls.map((c) => c.id) ?? [];
    for (const id of ids) expect(id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(new Set(ids).size).toBe(2);
  });

  it('maps done_reason length', async () => {
    fake.enqueue({ text: 'Once upon', finish: 'length' });
    const result = await model().generate(chatRequest({ max_tokens: 2 }), {});
    expect(result.choices[0]?.finishReason).toEqual({ unified: 'length', raw: 'length' });
  });

  it('a full tool round trip passes the strict fake (object arguments, tool_name, base64 images)', async () => {
    const result = await model().generate(
      chatRequest({
        messages: [
          { role: 'system', content: 'A' },
          { role: 'developer', content: 'B' },
          { role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQSkZJRg==' } }] },
          { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"cat"}' } }] },
          { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
          { role: 'user', content: 'So?' },
        ],
      }),
      {},
    );
    expect(result.choices[0]?.content).toBe('Echo: So?');
    const messages = lastBody()['messages'] as Array<Record<string, unknown>>;
    expect(messages[0]).toEqual({ role: 'system', content: 'A\n\nB' });
    expect(messages[1]).toEqual({ role: 'user', content: 'Look', images: ['/9j/4AAQSkZJRg=='] });
    expect(messages[3]).toEqual({ role: 'tool', content: 'a cat', tool_name: 'lookup' });
  });

  it('llama3.2 resolves to llama3.2:latest; an unknown model is a 404 not_found_error naming the provider', async () => {
    await expect(model('llama3.2:latest').generate(chatRequest(), {})).resolves.toBeDefined();
    const err = (await model('llama9').generate(chatRequest(), {}).catch((e: unknown) => e)) as GatewayError;
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.status).toBe(404);
    expect(err.type).toBe('not_found_error');
    expect(err.provider).toBe('ollama');
    expect(err.retryable).toBe(false);
    expect(err.message).toBe('ollama: model "llama9" not found, try pulling it first');
  });

  it('maps HTTP errors with status and Retry-After into retryAfterMs', async () => {
    fake.enqueue({ error: { status: 503, message: 'server busy, please try again.  maximum pending requests exceeded', headers: { 'retry-after': '3' } } });
    const err = (await model().generate(chatRequest(), {}).catch((e: unknown) => e)) as GatewayError;
    expect(err.status).toBe(503);
    expect(err.type).toBe('service_unavailable_error');
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBe(3000);
    expect(err.message).toContain('maximum pending requests exceeded');
  });

  it('keeps the raw text when an error body is not Ollama-shaped', async () => {
    fake.enqueue({ error: { status: 502, body: 'Bad Gateway (proxy)' } });
    const err = (await model().generate(chatRequest(), {}).catch((e: unknown) => e)) as GatewayError;
    expect(err.status).toBe(502);
    expect(err.message).toContain('Bad Gateway (proxy)');
  });

  it('sends a configured key as Bearer and the configured headers', async () => {
    const provider = createOllamaProvider(ollamaSettings(`${fake.url}/`, { apiKeys: ['sk-secret'], headers: { 'x-team': 'blue' } }));
    await provider.chatModel('llama3.2').generate(chatRequest(), {});
    expect(fake.requests[0]?.headers['authorization']).toBe('Bearer sk-secret');
    expect(fake.requests[0]?.headers['x-team']).toBe('blue');
    expect(fake.requests[0]?.path).toBe('/api/chat');
  });

  it('rejects http image URLs before calling upstream', async () => {
    const req = chatRequest({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://x/y.png' } }] }] });
    await expect(model().generate(req, {})).rejects.toMatchObject({ status: 400, type: 'invalid_request_error' });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('OllamaChatModel.stream', () => {
  it('streams NDJSON text: metadata, text deltas, one finish, usage last', async () => {
    fake.enqueue({ text: 'Hello there friend', usage: { input: 9, output: 3 } });
    const stream = await model().stream(chatRequest(), {});
    const parts = await collect(stream);
    expect(lastBody()['stream']).toBe(true);
    expect(parts[0]).toEqual({ type: 'metadata', model: 'llama3.2:latest', created: expect.any(Number) });
    expect(parts.filter((p) => p.type === 'text-delta').map((p) => (p.type === 'text-delta' ? p.delta : ''))).toEqual(['Hello ', 'there ', 'friend']);
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: 'stop' } },
      { type: 'usage', usage: { promptTokens: 9, completionTokens: 3, totalTokens: 12 } },
    ]);
  });

  it('streams two parallel tool calls: start + one whole-JSON delta each, indices 0 and 1, finish tool_calls', async () => {
    fake.enqueue({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }, { name: 'get_time', arguments: { tz: 'Asia/Tokyo' } }] });
    const parts = await collect(await model().stream(chatRequest({ tools: [{ type: 'function', function: { name: 'get_weather' } }, { type: 'function', function: { name: 'get_time' } }] }), {}));
    const toolParts = parts.filter((p) => p.type === 'tool-call-start' || p.type === 'tool-call-delta');
    expect(toolParts).toEqual([
      { type: 'tool-call-start', choice: 0, index: 0, id: expect.stringMatching(/^call_/), name: 'get_weather' },
      { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{"city":"Paris"}' },
      { type: 'tool-call-start', choice: 0, index: 1, id: expect.stringMatching(/^call_/), name: 'get_time' },
      { type: 'tool-call-delta', choice: 0, index: 1, argumentsDelta: '{"tz":"Asia/Tokyo"}' },
    ]);
    expect(parts.some((p) => p.type === 'text-delta')).toBe(false);
    expect(parts.find((p) => p.type === 'finish')).toEqual({ type: 'finish', choice: 0, finishReason: { unified: 'tool_calls', raw: 'stop' } });
    expect(parts[parts.length - 1]?.type).toBe('usage');
  });

  it('rejects before any part when upstream answers an HTTP error (so the caller can fail over)', async () => {
    fake.enqueue({ error: { status: 429, message: 'too many requests', headers: { 'retry-after': '2' } } });
    await expect(model().stream(chatRequest(), {})).rejects.toMatchObject({ status: 429, retryAfterMs: 2000, provider: 'ollama' });
    await expect(model('missing-model').stream(chatRequest(), {})).rejects.toMatchObject({ status: 404 });
  });

  it('throws a GatewayError from the iterator on a mid-stream {"error"} line (status 200)', async () => {
    fake.enqueue({ text: 'Partial answer', error: { status: 200, message: 'an error was encountered while running the model: CUDA error' } });
    const stream = await model().stream(chatRequest(), {});
    const { parts, error } = await collectUntilError(stream);
    expect(parts.map((p) => p.type)).toEqual(['metadata', 'text-delta', 'text-delta']);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 502, type: 'upstream_error', provider: 'ollama', retryable: true });
    expect((error as Error).message).toContain('CUDA error');
  });

  it('throws when the connection drops before the done line', async () => {
    fake.enqueue({ text: 'one two three four', dropAfterChunks: 2, chunkDelayMs: 20 });
    const { parts, error } = await collectUntilError(await model().stream(chatRequest(), {}));
    expect(parts.map((p) => p.type)).toEqual(['metadata', 'text-delta', 'text-delta']);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBeGreaterThanOrEqual(500);
  });

  it('aborting the signal ends the stream with a non-retryable abort error', async () => {
    fake.enqueue({ text: 'a b c d e f g h', chunkDelayMs: 50 });
    const controller = new AbortController();
    const stream = await model().stream(chatRequest(), { signal: controller.signal });
    const seen: string[] = [];
    const run = (async () => {
      for await (const p of stream) {
        seen.push(p.type);
        if (p.type === 'text-delta') controller.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ status: 499, retryable: false });
    expect(seen).not.toContain('finish');
  });
});
