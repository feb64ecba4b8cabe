import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GatewayError } from '../../../gateway/core/errors';
import { createAnthropicProvider } from '../../../gateway/providers/anthropic';
import { startFakeServer, type FakeServer } from '../../helpers/fake-server';
import { anthropicSettings, argumentsOf, chatRequest, collect, collectUntilError, textOf } from './helpers';

/** Replays recorded Anthropic bodies verbatim: `<name>.json` (application/json) or `<name>.chunks.txt` (SSE). */
let served = { file: 'text.json', status: 200, headers: {} as Record<string, string> };
let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer((_req, res) => {
    const body = readFileSync(path.join(__dirname, '__fixtures__', served.file));
    const type = served.file.endsWith('.chunks.txt') ? 'text/event-stream; charset=utf-8' : 'application/json';
    res.writeHead(served.status, { 'content-type': type, 'request-id': 'req_replay', ...served.headers });
    res.end(body);
  });
});
afterAll(() => server.close());

function replay(file: string, status = 200, headers: Record<string, string> = {}) {
  served = { file, status, headers };
  return createAnthropicProvider(anthropicSettings(server.url)).chatModel('claude-sonnet-4-5');
}
const ask = chatRequest({ messages: [{ role: 'user', content: 'hi' }] });

describe('recorded non-streaming responses', () => {
  it('text.json: content, finish, cache-read usage', async () => {
    const r = await replay('text.json').generate(ask, {});
    expect(r).toEqual({
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      model: 'claude-sonnet-4-5-20250929',
      choices: [{ index: 0, content: 'The capital of France is Paris.', toolCalls: [], finishReason: { unified: 'stop', raw: 'end_turn' } }],
      usage: { promptTokens: 2062, completionTokens: 10, totalTokens: 2072, cachedPromptTokens: 2048, cacheWriteTokens: 0 },
      headers: { 'request-id': 'req_replay' },
    });
  });

  it('tool-use.json: text plus two tool calls with JSON-text arguments', async () => {
    const r = await replay('tool-use.json').generate(ask, {});
    expect(r.choices).toEqual([
      {
        index: 0,
        content: "I'll check the current weather in both cities for you.",
        toolCalls: [
          { id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
          { id: 'toolu_01B8y3jLmTv2e6HwQ4nR7sKp', name: 'get_weather', arguments: '{"location":"New York, NY","unit":"celsius"}' },
        ],
        finishReason: { unified: 'tool_calls', raw: 'tool_use' },
      },
    ]);
    expect(r.usage).toEqual({ promptTokens: 472, completionTokens: 120, totalTokens: 592, cachedPromptTokens: 0, cacheWriteTokens: 0 });
  });

  it('max-tokens.json: length, cache-write tokens counted in the prompt', async () => {
    const r = await replay('max-tokens.json').generate(ask, {});
    expect(r.choices[0]?.finishReason).toEqual({ unified: 'length', raw: 'max_tokens' });
    expect(r.usage).toEqual({ promptTokens: 1036, completionTokens: 16, totalTokens: 1052, cachedPromptTokens: 0, cacheWriteTokens: 1024 });
  });

  it('overloaded-error.json with HTTP 529 → GatewayError 503 with Retry-After', async () => {
    let err: unknown;
    try {
      await replay('overloaded-error.json', 529, { 'retry-after': '2' }).generate(ask, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ status: 503, retryable: true, retryAfterMs: 2000, code: 'overloaded_error', message: 'anthropic: Overloaded' });
  });
});

describe('recorded streams', () => {
  it('text.chunks.txt', async () => {
    const parts = await collect(await replay('text.chunks.txt').stream(ask, {}));
    expect(parts).toEqual([
      { type: 'metadata', id: 'msg_01SmzTGM7gZ4WyZTRDmY1xbx', model: 'claude-sonnet-4-5-20250929' },
      { type: 'text-delta', choice: 0, delta: 'Hello' },
      { type: 'text-delta', choice: 0, delta: '! How can I help you today?' },
      { type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: 'end_turn' } },
      { type: 'usage', usage: { promptTokens: 21, completionTokens: 12, totalTokens: 33, cachedPromptTokens: 0, cacheWriteTokens: 0 } },
    ]);
  });

  it('parallel-tool-use.chunks.txt: block indexes 1 and 2 become tool-call indexes 0 and 1', async () => {
    const parts = await collect(await replay('parallel-tool-use.chunks.txt').stream(ask, {}));
    expect(textOf(parts)).toBe("Okay, let's check both cities:");
    expect(parts.filter((p) => p.type === 'tool-call-start')).toEqual([
      { type: 'tool-call-start', choice: 0, index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather' },
      { type: 'tool-call-start', choice: 0, index: 1, id: 'toolu_01SvUjnLmKr3pW4Vy2qGxZ8b', name: 'get_weather' },
    ]);
    expect(argumentsOf(parts, 0)).toBe('{"location": "San Francisco, CA"}');
    expect(argumentsOf(parts, 1)).toBe('{"location": "New York, NY"}');
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', choice: 0, finishReason: { unified: 'tool_calls', raw: 'tool_use' } },
      { type: 'usage', usage: { promptTokens: 472, completionTokens: 89, totalTokens: 561 } },
    ]);
  });

  it('thinking.chunks.txt: thinking skipped, reasoning tokens and cache usage reported', async () => {
    const parts = await collect(await replay('thinking.chunks.txt').stream(ask, {}));
    expect(parts.filter((p) => p.type === 'text-delta')).toEqual([{ type: 'text-delta', choice: 0, delta: '27 * 453 = 12,231' }]);
    expect(parts[parts.length - 1]).toEqual({
      type: 'usage',
      usage: { promptTokens: 4644, completionTokens: 98, totalTokens: 4742, cachedPromptTokens: 4096, cacheWriteTokens: 512, reasoningTokens: 80 },
    });
  });

  it('overloaded-mid-stream.chunks.txt: text, then the iterator throws 503', async () => {
    const { parts, error } = await collectUntilError(await replay('overloaded-mid-stream.chunks.txt').stream(ask, {}));
    expect(textOf(parts)).toBe('Here is the first part');
    expect(parts.some((p) => p.type === 'finish' || p.type === 'usage')).toBe(false);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 503, retryable: true, code: 'overloaded_error' });
  });

  it('truncated.chunks.txt: the body ends cleanly before message_delta/message_stop → stream_truncated, no finish, no usage', async () => {
    const { parts, error } = await collectUntilError(await replay('truncated.chunks.txt').stream(ask, {}));
    expect(textOf(parts)).toBe('Hello! How can I help you today?');
    expect(parts.some((p) => p.type === 'finish' || p.type === 'usage')).toBe(false);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 502, type: 'upstream_error', code: 'stream_truncated', provider: 'anthropic', retryable: true });
  });
});
