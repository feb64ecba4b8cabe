import type { ChatRequest } from '../../gateway/core/chat-request';
import { DEFAULT_COMPLETION_TOKENS, estimateTokens, isChatRequestLike } from '../../gateway/rate-limits';

const req = (r: Partial<ChatRequest> & Record<string, unknown>): ChatRequest => ({ model: 'gpt-4o', messages: [], ...r }) as ChatRequest;

describe('estimateTokens', () => {
  test('≈ characters / 4 of message text, 4 per message, plus 256 completion tokens by default', () => {
    const text = 'x'.repeat(400);
    expect(estimateTokens(req({ messages: [{ role: 'user', content: text }] }))).toBe(4 + 100 + DEFAULT_COMPLETION_TOKENS);
    expect(estimateTokens(req({ messages: [{ role: 'system', content: [{ type: 'text', text }] }, { role: 'user', content: text }] }))).toBe(8 + 200 + 256);
  });

  test('the max tokens asked (either field), times n', () => {
    const messages: ChatRequest['messages'] = [{ role: 'user', content: 'abcd' }];
    expect(estimateTokens(req({ messages, max_tokens: 1000 }))).toBe(4 + 1 + 1000);
    expect(estimateTokens(req({ messages, max_completion_tokens: 50, max_tokens: 1000 }))).toBe(4 + 1 + 50);
    expect(estimateTokens(req({ messages, max_tokens: 100, n: 3 }))).toBe(4 + 1 + 300);
  });

  test('tool schemas, tool calls and json schemas count; images count as OpenAI bills them', () => {
    const base = estimateTokens(req({ messages: [{ role: 'user', content: 'hi' }] }));
    const tools: ChatRequest['tools'] = [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    expect(estimateTokens(req({ messages: [{ role: 'user', content: 'hi' }], tools }))).toBe(base + Math.ceil((2 + JSON.stringify(tools).length) / 4) - 1);
    const withCall = estimateTokens(req({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] }] }));
    expect(withCall).toBeGreaterThan(base + 4 + 5);
    const image = (detail?: 'low' | 'high'): ChatRequest =>
      req({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${'A'.repeat(100_000)}`, detail } }] }] });
    expect(estimateTokens(image('low'))).toBe(4 + 85 + 256);
    expect(estimateTokens(image())).toBe(4 + 765 + 256);
  });

  test('tolerates malformed input (it runs before validation)', () => {
    expect(estimateTokens({ model: 'x', messages: [null, 3, { role: 'user', content: { weird: true } }, { content: [null, { type: 'text', text: 5 }] }] } as unknown as ChatRequest)).toBe(16 + 256);
    expect(estimateTokens({ model: 'x', messages: 'no', max_tokens: -5, n: 1.5 } as unknown as ChatRequest)).toBe(256);
  });
});

test('isChatRequestLike: a model and a non-empty messages array', () => {
  expect(isChatRequestLike({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })).toBe(true);
  expect(isChatRequestLike({ model: 'gpt-4o', messages: [] })).toBe(false);
  expect(isChatRequestLike({ messages: [{}] })).toBe(false);
  expect(isChatRequestLike([])).toBe(false);
  expect(isChatRequestLike(null)).toBe(false);
});
