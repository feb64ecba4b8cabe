import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { GatewayError } from '../../../gateway/core/errors';
import { createGoogleProvider } from '../../../gateway/providers/google';
import { chatRequest, collect, collectUntilError, googleSettings } from './google-test-helpers';

/**
 * Replays recorded Gemini responses (`__fixtures__/<name>.json`, `<name>.chunks.txt`) byte for byte from a
 * tiny server, and checks the canonical output. Stream bodies are sent in small pieces so event boundaries
 * (including `\r\n\r\n` separators) fall inside network chunks.
 */
const dir = path.join(__dirname, '__fixtures__');
let served: { file: string; status: number } = { file: 'text.json', status: 200 };
const paths: string[] = [];
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    paths.push(req.url ?? '');
    const body = fs.readFileSync(path.join(dir, served.file));
    const sse = served.file.endsWith('.chunks.txt');
    res.writeHead(served.status, { 'content-type': sse ? 'text/event-stream' : 'application/json; charset=UTF-8' });
    if (!sse) return void res.end(body);
    for (let i = 0; i < body.length; i += 37) res.write(body.subarray(i, i + 37));
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function serve(file: string, status = 200): void {
  served = { file, status };
}
const model = () => createGoogleProvider(googleSettings(url)).chatModel('gemini-2.5-flash');
const req = chatRequest({ messages: [{ role: 'user', content: 'hi' }] });

describe('recorded non-streaming responses', () => {
  it('text.json: text, responseId, modelVersion, thoughts counted as completion + reasoning', async () => {
    serve('text.json');
    expect(await model().generate(req, {})).toEqual({
      id: 'kV3yaKbVLc2Ez7IPxLCZ8AE',
      model: 'gemini-2.5-flash',
      choices: [
        {
          index: 0,
          content: 'The capital of France is **Paris**. It sits on the Seine and has been the capital since the 10th century.',
          toolCalls: [],
          finishReason: { unified: 'stop', raw: 'STOP' },
        },
      ],
      usage: { promptTokens: 11, completionTokens: 243, totalTokens: 254, reasoningTokens: 212 },
    });
  });

  it('tool-call.json: parallel functionCalls → tool_calls with distinct ids; cached tokens reported', async () => {
    serve('tool-call.json');
    const r = await model().generate(req, {});
    const c = r.choices[0];
    expect(c?.finishReason).toEqual({ unified: 'tool_calls', raw: 'STOP' });
    expect(c?.content).toBeNull();
    expect(c?.toolCalls.map((t) => [t.name, JSON.parse(t.arguments) as unknown])).toEqual([
      ['get_weather', { city: 'Paris', unit: 'celsius' }],
      ['get_weather', { city: 'Tokyo', unit: 'celsius' }],
    ]);
    expect(new Set(c?.toolCalls.map((t) => t.id)).size).toBe(2);
    expect(r.usage).toEqual({ promptTokens: 1210, completionTokens: 110, totalTokens: 1320, cachedPromptTokens: 1024, reasoningTokens: 72 });
  });

  it('prompt-block.json: no candidates, blockReason → one content_filter choice', async () => {
    serve('prompt-block.json');
    const r = await model().generate(req, {});
    expect(r.choices).toEqual([{ index: 0, content: null, toolCalls: [], finishReason: { unified: 'content_filter', raw: 'PROHIBITED_CONTENT' } }]);
    expect(r.usage).toEqual({ promptTokens: 9, completionTokens: 0, totalTokens: 9 });
  });

  it('safety.json: candidate without content stopped by SAFETY', async () => {
    serve('safety.json');
    const r = await model().generate(req, {});
    expect(r.choices).toEqual([{ index: 0, content: null, toolCalls: [], finishReason: { unified: 'content_filter', raw: 'SAFETY' } }]);
  });

  it('candidates-n2.json: candidates map to choices by their index', async () => {
    serve('candidates-n2.json');
    const r = await model().generate(req, {});
    expect(r.choices.map((c) => [c.index, c.content, c.finishReason.unified])).toEqual([
      [0, 'Azure, like a clear summer', 'length'],
      [1, 'Blue.', 'stop'],
    ]);
  });

  it('error-429.json: quota error → 429 rate_limit_error with RetryInfo delay as retryAfterMs', async () => {
    serve('error-429.json', 429);
    const e = await model().generate(req, {}).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(GatewayError);
    expect(e).toMatchObject({
      status: 429,
      type: 'rate_limit_error',
      code: 'RESOURCE_EXHAUSTED',
      retryable: true,
      retryAfterMs: 34_000,
      provider: 'google',
      message: 'google: You exceeded your current quota, please check your plan and billing details.',
    });
  });

  it('error-api-key.json: 400 API_KEY_INVALID → 401 authentication_error (stream too)', async () => {
    serve('error-api-key.json', 400);
    const e = await model().stream(req, {}).catch((err: unknown) => err);
    expect(e).toMatchObject({ status: 401, type: 'authentication_error', code: 'API_KEY_INVALID', retryable: false });
  });
});

describe('recorded streams', () => {
  it('text.chunks.txt (\\r\\n\\r\\n separators, no [DONE], trailing empty text with thoughtSignature)', async () => {
    serve('text.chunks.txt');
    const s = await model().stream(req, {});
    expect(paths[paths.length - 1]).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(await collect(s)).toEqual([
      { type: 'metadata', id: 'qF7yaPqOD8Oyz7IP_-TawQk', model: 'gemini-2.5-flash' },
      { type: 'text-delta', choice: 0, delta: 'Why did the scarecrow' },
      { type: 'text-delta', choice: 0, delta: ' win an award? Because he was outstanding' },
      { type: 'text-delta', choice: 0, delta: ' in his field.' },
      { type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: 'STOP' } },
      { type: 'usage', usage: { promptTokens: 8, completionTokens: 149, totalTokens: 157, reasoningTokens: 125 } },
    ]);
  });

  it('tool-call.chunks.txt: functionCalls in an earlier event than STOP → tool_calls; indices 0 and 1', async () => {
    serve('tool-call.chunks.txt');
    const parts = await collect(await model().stream(req, {}));
    expect(parts.map((p) => p.type)).toEqual([
      'metadata',
      'text-delta',
      'tool-call-start',
      'tool-call-delta',
      'tool-call-start',
      'tool-call-delta',
      'finish',
      'usage',
    ]);
    expect(parts.slice(2, 7)).toEqual([
      { type: 'tool-call-start', choice: 0, index: 0, id: expect.stringMatching(/^call_\w+$/), name: 'get_weather' },
      { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{"city":"Paris"}' },
      { type: 'tool-call-start', choice: 0, index: 1, id: expect.stringMatching(/^call_\w+$/), name: 'get_time' },
      { type: 'tool-call-delta', choice: 0, index: 1, argumentsDelta: '{"timezone":"Asia/Tokyo"}' },
      { type: 'finish', choice: 0, finishReason: { unified: 'tool_calls', raw: 'STOP' } },
    ]);
    expect(parts[7]).toEqual({ type: 'usage', usage: { promptTokens: 64, completionTokens: 96, totalTokens: 160, reasoningTokens: 66 } });
  });

  it('max-tokens.chunks.txt (\\n\\n separators): MAX_TOKENS → length', async () => {
    serve('max-tokens.chunks.txt');
    const parts = await collect(await model().stream(req, {}));
    expect(parts.filter((p) => p.type === 'text-delta').map((p) => p.type === 'text-delta' && p.delta).join('')).toBe('A long time ago, in a galaxy far,');
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', choice: 0, finishReason: { unified: 'length', raw: 'MAX_TOKENS' } },
      { type: 'usage', usage: { promptTokens: 6, completionTokens: 16, totalTokens: 22 } },
    ]);
  });

  it('prompt-block.chunks.txt: a blocked prompt finishes choice 0 with content_filter', async () => {
    serve('prompt-block.chunks.txt');
    expect(await collect(await model().stream(req, {}))).toEqual([
      { type: 'metadata', id: 'EXCPatOAKMrQjMcPtbHVmQo', model: 'gemini-2.5-flash' },
      { type: 'finish', choice: 0, finishReason: { unified: 'content_filter', raw: 'PROHIBITED_CONTENT' } },
      { type: 'usage', usage: { promptTokens: 9, completionTokens: 0, totalTokens: 9 } },
    ]);
  });

  it('mid-stream-error.chunks.txt: an {error} event after text throws a retryable 503 from the iterator', async () => {
    serve('mid-stream-error.chunks.txt');
    const { parts, error } = await collectUntilError(await model().stream(req, {}));
    expect(parts.map((p) => p.type)).toEqual(['metadata', 'text-delta']);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({
      status: 503,
      type: 'service_unavailable_error',
      code: 'UNAVAILABLE',
      retryable: true,
      message: 'google: The model is overloaded. Please try again later.',
    });
  });

  it('truncated.chunks.txt: a stream that ends cleanly without any finishReason is an error, not a silent truncation', async () => {
    serve('truncated.chunks.txt');
    const { parts, error } = await collectUntilError(await model().stream(req, {}));
    expect(parts.map((p) => p.type)).toEqual(['metadata', 'text-delta']);
    expect(error).toMatchObject({ status: 502, code: 'stream_truncated', retryable: true, provider: 'google' });
  });
});
