import { mapAnthropicFinishReason } from '../../../gateway/providers/anthropic/map-anthropic-finish-reason';
import { mapAnthropicUsage, mergeAnthropicUsage } from '../../../gateway/providers/anthropic/map-anthropic-usage';

describe('mapAnthropicFinishReason', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['some_future_reason', 'stop'],
  ])('%s → %s, raw kept', (raw, unified) => {
    expect(mapAnthropicFinishReason(raw)).toEqual({ unified, raw });
  });

  it('tool_use without client-visible tool calls (json_schema response tool) → stop', () => {
    expect(mapAnthropicFinishReason('tool_use', false)).toEqual({ unified: 'stop', raw: 'tool_use' });
  });

  it('a missing stop_reason → stop with raw undefined', () => {
    expect(mapAnthropicFinishReason(null)).toEqual({ unified: 'stop', raw: undefined });
  });
});

describe('mapAnthropicUsage', () => {
  it('prompt = input + cache_read + cache_creation; prompt + completion = total', () => {
    const u = mapAnthropicUsage({ input_tokens: 20, cache_read_input_tokens: 1000, cache_creation_input_tokens: 300, output_tokens: 50 });
    expect(u).toEqual({
      promptTokens: 1320,
      completionTokens: 50,
      totalTokens: 1370,
      cachedPromptTokens: 1000,
      cacheWriteTokens: 300,
    });
  });

  it('thinking tokens become reasoningTokens (still counted inside completion)', () => {
    const u = mapAnthropicUsage({ input_tokens: 10, output_tokens: 400, output_tokens_details: { thinking_tokens: 300 } });
    expect(u).toEqual({ promptTokens: 10, completionTokens: 400, totalTokens: 410, reasoningTokens: 300 });
  });

  it('null cache fields are left out', () => {
    expect(mapAnthropicUsage({ input_tokens: 5, output_tokens: 2, cache_read_input_tokens: null })).toEqual({
      promptTokens: 5,
      completionTokens: 2,
      totalTokens: 7,
    });
  });

  it('stream usage: message_delta values (cumulative) override message_start, nulls do not erase', () => {
    const start = { input_tokens: 25, cache_read_input_tokens: 100, cache_creation_input_tokens: 0, output_tokens: 1 };
    const merged = mergeAnthropicUsage(start, { output_tokens: 42, input_tokens: null });
    expect(mapAnthropicUsage(merged)).toEqual({
      promptTokens: 125,
      completionTokens: 42,
      totalTokens: 167,
      cachedPromptTokens: 100,
      cacheWriteTokens: 0,
    });
  });
});
