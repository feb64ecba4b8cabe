import { convertGoogleResponse, convertGoogleUsage } from '../../../gateway/providers/google/convert-google-response';
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

describe('convertGoogleResponse', () => {
  it('keeps thought-summary parts out of the answer text and uses a functionCall id when Gemini sends one', () => {
    const r = convertGoogleResponse(
      {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [
                { text: 'Let me think about the user request…', thought: true },
                { text: 'It is 4.' },
                { functionCall: { id: 'fc-7', name: 'calc', args: { expr: '2+2' } } },
              ],
            },
            finishReason: 'STOP',
          },
        ],
      },
      'gemini-2.5-pro',
    );
    expect(r.model).toBe('gemini-2.5-pro');
    expect(r.usage).toBeUndefined();
    expect(r.choices).toEqual([
      {
        index: 0,
        content: 'It is 4.',
        toolCalls: [{ id: 'fc-7', name: 'calc', arguments: '{"expr":"2+2"}' }],
        finishReason: { unified: 'tool_calls', raw: 'STOP' },
      },
    ]);
  });
});
