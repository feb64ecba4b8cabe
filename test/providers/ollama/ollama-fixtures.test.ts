import { GatewayError } from '../../../gateway/core/errors';
import { createOllamaProvider } from '../../../gateway/providers/ollama';
import { chatRequest, collect, collectUntilError, ollamaSettings, startReplay, type ReplayServer } from './ollama-test-utils';

let replay: ReplayServer | undefined;
afterEach(async () => {
  await replay?.close();
  replay = undefined;
});

async function modelFor(fixture: string, status = 200) {
  replay = await startReplay(fixture, status);
  return createOllamaProvider(ollamaSettings(replay.url)).chatModel('llama3.2');
}

const seconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

describe('recorded Ollama responses (non-streaming)', () => {
  it('text.json', async () => {
    const result = await (await modelFor('text.json')).generate(chatRequest(), {});
    expect(result).toEqual({
      model: 'llama3.2',
      created: seconds('2025-01-21T16:34:07.614Z'),
      choices: [
        {
          index: 0,
          content:
            'The sky looks blue because air molecules scatter short (blue) wavelengths of sunlight much more than long (red) ones. This is called Rayleigh scattering.',
          toolCalls: [],
          finishReason: { unified: 'stop', raw: 'stop' },
        },
      ],
      usage: { promptTokens: 31, completionTokens: 33, totalTokens: 64 },
    });
  });

  it('tool-calls.json: two calls, arguments stringified, finish tool_calls', async () => {
    const result = await (await modelFor('tool-calls.json')).generate(chatRequest(), {});
    const choice = result.choices[0];
    expect(choice?.content).toBeNull();
    expect(choice?.finishReason).toEqual({ unified: 'tool_calls', raw: 'stop' });
    expect(choice?.toolCalls).toEqual([
      { id: expect.stringMatching(/^call_/), name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
      { id: expect.stringMatching(/^call_/), name: 'get_weather', arguments: '{"city":"Tokyo","unit":"celsius"}' },
    ]);
    expect(result.usage).toEqual({ promptTokens: 213, completionTokens: 46, totalTokens: 259 });
  });

  it('cached-prompt.json: missing prompt_eval_count counts as 0', async () => {
    const result = await (await modelFor('cached-prompt.json')).generate(chatRequest(), {});
    expect(result.usage).toEqual({ promptTokens: 0, completionTokens: 3, totalTokens: 3 });
    expect(result.choices[0]?.content).toBe('Yes.');
  });

  it('not-found.json with 404 → not_found_error carrying the Ollama message', async () => {
    const model = await modelFor('not-found.json', 404);
    await expect(model.generate(chatRequest(), {})).rejects.toMatchObject({
      status: 404,
      type: 'not_found_error',
      message: 'ollama: model "llama9" not found, try pulling it first',
    });
    await expect(model.stream(chatRequest(), {})).rejects.toBeInstanceOf(GatewayError);
  });
});

describe('recorded Ollama streams (NDJSON)', () => {
  it('text.chunks.txt', async () => {
    const parts = await collect(await (await modelFor('text.chunks.txt')).stream(chatRequest(), {}));
    expect(parts).toEqual([
      { type: 'metadata', model: 'llama3.2', created: seconds('2025-01-21T16:40:01.224Z') },
      ...['Hello', '!', ' How', ' can', ' I', ' help', '?'].map((delta) => ({ type: 'text-delta', choice: 0, delta })),
      { type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: 'stop' } },
      { type: 'usage', usage: { promptTokens: 26, completionTokens: 8, totalTokens: 34 } },
    ]);
  });

  it('tool-calls.chunks.txt: two calls in one line get indices 0 and 1', async () => {
    const parts = await collect(await (await modelFor('tool-calls.chunks.txt')).stream(chatRequest(), {}));
    expect(parts.slice(1)).toEqual([
      { type: 'tool-call-start', choice: 0, index: 0, id: expect.stringMatching(/^call_/), name: 'get_weather' },
      { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{"city":"Paris","unit":"celsius"}' },
      { type: 'tool-call-start', choice: 0, index: 1, id: expect.stringMatching(/^call_/), name: 'get_time' },
      { type: 'tool-call-delta', choice: 0, index: 1, argumentsDelta: '{"timezone":"Asia/Tokyo"}' },
      { type: 'finish', choice: 0, finishReason: { unified: 'tool_calls', raw: 'stop' } },
      { type: 'usage', usage: { promptTokens: 241, completionTokens: 52, totalTokens: 293 } },
    ]);
  });

  it('length.chunks.txt → finish length', async () => {
    const parts = await collect(await (await modelFor('length.chunks.txt')).stream(chatRequest(), {}));
    expect(parts.filter((p) => p.type === 'text-delta')).toHaveLength(3);
    expect(parts.find((p) => p.type === 'finish')).toEqual({ type: 'finish', choice: 0, finishReason: { unified: 'length', raw: 'length' } });
  });

  it('thinking.chunks.txt: thinking lines yield no text; the answer and usage do', async () => {
    const parts = await collect(await (await modelFor('thinking.chunks.txt')).stream(chatRequest(), {}));
    expect(parts.map((p) => p.type)).toEqual(['metadata', 'text-delta', 'finish', 'usage']);
    expect(parts[1]).toEqual({ type: 'text-delta', choice: 0, delta: '4' });
  });

  it('error.chunks.txt: the {"error"} line is thrown from the iterator after the text so far', async () => {
    const { parts, error } = await collectUntilError(await (await modelFor('error.chunks.txt')).stream(chatRequest(), {}));
    expect(parts.filter((p) => p.type === 'text-delta').map((p) => (p.type === 'text-delta' ? p.delta : ''))).toEqual(['Sure', ',']);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({
      status: 502,
      provider: 'ollama',
      message: 'ollama: an error was encountered while running the model: unexpected EOF',
    });
  });

  it('truncated.chunks.txt: lines that end cleanly without the done line → stream_truncated, not a short answer', async () => {
    const { parts, error } = await collectUntilError(await (await modelFor('truncated.chunks.txt')).stream(chatRequest(), {}));
    expect(parts.map((p) => p.type)).toEqual(['metadata', 'text-delta', 'text-delta', 'text-delta']);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 502, type: 'upstream_error', code: 'stream_truncated', provider: 'ollama', retryable: true });
  });
});
