import type { StreamPart } from '../../../gateway/core/chat-result';
import { GatewayError } from '../../../gateway/core/errors';
import { chatStream } from '../../../gateway/http';
import { anthropicStreamEventSchema } from '../../../gateway/providers/anthropic/anthropic-schemas';
import { AnthropicStreamTranslator } from '../../../gateway/providers/anthropic/anthropic-stream';
import { collect } from '../../helpers/stream-collect';

function run(events: unknown[], responseToolName?: string): { parts: StreamPart[]; translator: AnthropicStreamTranslator } {
  const translator = new AnthropicStreamTranslator('anthropic', responseToolName);
  const parts = events.flatMap((e) => translator.onEvent(anthropicStreamEventSchema.parse(e)));
  return { parts, translator };
}

const start = { type: 'message_start', message: { id: 'msg_1', model: 'claude-x', usage: { input_tokens: 10, output_tokens: 1 } } };
const stop = (reason: string, output = 30) => [
  { type: 'message_delta', delta: { stop_reason: reason, stop_sequence: null }, usage: { output_tokens: output } },
  { type: 'message_stop' },
];
const toolStart = (index: number, id: string, name: string) => ({
  type: 'content_block_start',
  index,
  content_block: { type: 'tool_use', id, name, input: {} },
});
const json = (index: number, partial_json: string) => ({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } });

describe('AnthropicStreamTranslator', () => {
  it('parallel tool blocks after a text block get distinct OpenAI indexes 0 and 1', () => {
    const { parts } = run([
      start,
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking.' } },
      { type: 'content_block_stop', index: 0 },
      toolStart(1, 'toolu_a', 'weather'),
      json(1, ''),
      json(1, '{"city":'),
      toolStart(2, 'toolu_b', 'weather'),
      json(2, '{"city":"Rome"}'),
      json(1, '"Paris"}'),
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_stop', index: 2 },
      ...stop('tool_use'),
    ]);
    expect(parts).toEqual([
      { type: 'metadata', id: 'msg_1', model: 'claude-x' },
      { type: 'text-delta', choice: 0, delta: 'Checking.' },
      { type: 'tool-call-start', choice: 0, index: 0, id: 'toolu_a', name: 'weather' },
      { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{"city":' },
      { type: 'tool-call-start', choice: 0, index: 1, id: 'toolu_b', name: 'weather' },
      { type: 'tool-call-delta', choice: 0, index: 1, argumentsDelta: '{"city":"Rome"}' },
      { type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '"Paris"}' },
      { type: 'finish', choice: 0, finishReason: { unified: 'tool_calls', raw: 'tool_use' } },
      { type: 'usage', usage: { promptTokens: 10, completionTokens: 30, totalTokens: 40 } },
    ]);
  });

  it('a tool called without arguments still yields "{}" as its arguments', () => {
    const { parts } = run([start, toolStart(0, 'toolu_n', 'now'), json(0, ''), { type: 'content_block_stop', index: 0 }, ...stop('tool_use')]);
    expect(parts.filter((p) => p.type === 'tool-call-delta')).toEqual([{ type: 'tool-call-delta', choice: 0, index: 0, argumentsDelta: '{}' }]);
  });

  it('the json_schema response tool streams as text and finishes with stop', () => {
    const { parts } = run(
      [start, toolStart(0, 'toolu_r', 'answer'), json(0, ''), json(0, '{"answer"'), json(0, ':"42"}'), { type: 'content_block_stop', index: 0 }, ...stop('tool_use')],
      'answer',
    );
    expect(parts.filter((p) => p.type === 'text-delta').map((p) => (p as { delta: string }).delta).join('')).toBe('{"answer":"42"}');
    expect(parts.some((p) => p.type === 'tool-call-start')).toBe(false);
    expect(parts.find((p) => p.type === 'finish')).toEqual({ type: 'finish', choice: 0, finishReason: { unified: 'stop', raw: 'tool_use' } });
  });

  it('ignores thinking blocks and their deltas', () => {
    const { parts } = run([
      start,
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EqQB' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Done' } },
      ...stop('end_turn'),
    ]);
    expect(parts.filter((p) => p.type === 'text-delta')).toEqual([{ type: 'text-delta', choice: 0, delta: 'Done' }]);
  });

  it('an error event throws a mapped GatewayError (overloaded → 503, retryable)', () => {
    const translator = new AnthropicStreamTranslator('anthropic', undefined);
    translator.onEvent(anthropicStreamEventSchema.parse(start));
    const ev = anthropicStreamEventSchema.parse({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    let caught: unknown;
    try {
      translator.onEvent(ev);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect(caught).toMatchObject({ status: 503, retryable: true, code: 'overloaded_error', message: 'anthropic: Overloaded' });
  });

  it('no finish part before message_stop, so the stream skeleton fails a stream cut off before it: a retryable 502', async () => {
    const { parts } = run([start, { type: 'content_block_start', index: 0, content_block: { type: 'text', text: 'Hi' } }]);
    expect(parts.map((p) => p.type)).toEqual(['metadata', 'text-delta']);
    const stream = chatStream({ provider: 'anthropic', headers: {}, parts: (async function* () { yield* parts; })() });
    await expect(collect(stream)).rejects.toThrow(expect.objectContaining({ status: 502, retryable: true, code: 'stream_truncated' }) as Error);
  });
});
