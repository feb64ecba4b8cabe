import { convertGoogleUsage } from '../../../gateway/providers/google/convert-google-response';
import { mapGoogleFinishReason } from '../../../gateway/providers/google/map-google-finish-reason';

describe('mapGoogleFinishReason', () => {
  it.each([
    ['STOP', false, 'stop'],
    ['STOP', true, 'tool_calls'],
    ['MAX_TOKENS', false, 'length'],
    ['MAX_TOKENS', true, 'length'],
    ['SAFETY', false, 'content_filter'],
    ['RECITATION', false, 'content_filter'],
    ['BLOCKLIST', false, 'content_filter'],
    ['PROHIBITED_CONTENT', false, 'content_filter'],
    ['SPII', false, 'content_filter'],
    ['IMAGE_SAFETY', false, 'content_filter'],
    ['LANGUAGE', false, 'stop'],
    ['OTHER', false, 'stop'],
    ['MALFORMED_FUNCTION_CALL', false, 'stop'],
    ['FINISH_REASON_UNSPECIFIED', false, 'stop'],
  ] as const)('%s (functionCall seen: %s) → %s, raw kept', (raw, hasToolCalls, unified) => {
    expect(mapGoogleFinishReason(raw, hasToolCalls)).toEqual({ unified, raw });
  });
});

describe('convertGoogleUsage', () => {
  it('counts thoughts as completion and reasoning, cached as part of prompt; prompt + completion = total', () => {
    const usage = convertGoogleUsage({
      promptTokenCount: 1210,
      candidatesTokenCount: 38,
      thoughtsTokenCount: 72,
      cachedContentTokenCount: 1024,
      totalTokenCount: 1320,
    });
    expect(usage).toEqual({
      promptTokens: 1210,
      completionTokens: 110,
      totalTokens: 1320,
      cachedPromptTokens: 1024,
      reasoningTokens: 72,
    });
  });

  it('adds tool-use prompt tokens to the prompt, tolerates missing counts', () => {
    expect(convertGoogleUsage({ promptTokenCount: 9, toolUsePromptTokenCount: 5, totalTokenCount: 14 })).toEqual({
      promptTokens: 14,
      completionTokens: 0,
      totalTokens: 14,
    });
    expect(convertGoogleUsage(undefined)).toBeUndefined();
  });
});
