import type { ChatRequest } from '../../../gateway/core/chat-request';
import { estimateTokens } from '../../../gateway/rate-limits/estimate-tokens';
import { capabilitiesOf, requiredCapabilities, satisfies } from '../../../gateway/routing/capabilities';

test.each([
  ['openai/gpt-4o', { tools: true, vision: true, json_schema: true, context: 128_000 }],
  ['openai/gpt-4o-mini-2024-07-18', { tools: true, vision: true, json_schema: true, context: 128_000 }],
  ['openai/gpt-4.1-nano', { tools: true, vision: true, json_schema: true, context: 1_047_576 }],
  ['openai/o4-mini', { tools: true, vision: true, json_schema: true, context: 200_000 }],
  ['openai/o3-mini', { tools: true, vision: false, json_schema: true, context: 200_000 }],
  ['anthropic/claude-3-5-sonnet-latest', { tools: true, vision: true, json_schema: true, context: 200_000 }],
  ['anthropic/claude-opus-4-0', { tools: true, vision: true, json_schema: true, context: 200_000 }],
  ['google/gemini-2.0-flash', { tools: true, vision: true, json_schema: true, context: 1_048_576 }],
  ['ollama/llama3.2', { tools: true, vision: false, json_schema: true, context: 8_192 }],
  ['ollama/llava:13b', { tools: true, vision: true, json_schema: true, context: 8_192 }],
  ['ollama/llama3.2-vision', { tools: true, vision: true, json_schema: true, context: 8_192 }],
  ['custom/org/some-model', { tools: true, vision: false, json_schema: true, context: 8_192 }],
])('%s', (ref, caps) => {
  expect(capabilitiesOf(ref, {})).toEqual(caps);
});

test('overrides by bare id, then by ref, win field by field', () => {
  const overrides = { 'llama3.2': { context: 128_000 }, 'ollama/llama3.2': { vision: true }, 'other/llama3.2': { tools: false } };
  expect(capabilitiesOf('ollama/llama3.2', overrides)).toEqual({ tools: true, vision: true, json_schema: true, context: 128_000 });
  expect(capabilitiesOf('other/llama3.2', overrides)).toEqual({ tools: false, vision: false, json_schema: true, context: 128_000 });
});

const req = (extra: Partial<ChatRequest>): ChatRequest => ({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(40) }], ...extra });

test('requiredCapabilities: tools, images, json_schema, token estimate', () => {
  // the same pre-call estimate the rate limiter uses: 40 chars ≈ 10 tokens + 4 per message + the completion asked for
  expect(requiredCapabilities(req({}))).toEqual({ estimatedTokens: estimateTokens(req({})) });
  expect(requiredCapabilities(req({ max_tokens: 100 })).estimatedTokens).toBe(10 + 4 + 100);
  expect(requiredCapabilities(req({ max_completion_tokens: 50, max_tokens: 100 })).estimatedTokens).toBe(10 + 4 + 50);
  const tools = requiredCapabilities(req({ tools: [{ type: 'function', function: { name: 'f' } }] }));
  expect(tools.tools).toBe(true);
  expect(tools.estimatedTokens).toBeGreaterThan(estimateTokens(req({})));
  expect(requiredCapabilities(req({ tools: [] })).tools).toBeUndefined();
  const image = requiredCapabilities({
    model: 'm',
    messages: [
      { role: 'system', content: 'abcd' },
      { role: 'user', content: [{ type: 'text', text: 'abcd' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'ab', arguments: '{}' } }] },
      { role: 'tool', content: 'abcd', tool_call_id: 'c' },
    ],
  });
  expect(image.vision).toBe(true);
  expect(image.estimatedTokens).toBeGreaterThanOrEqual(765); // an image counts as OpenAI bills it, roughly
  expect(requiredCapabilities(req({ response_format: { type: 'json_schema', json_schema: { name: 'x' } } })).json_schema).toBe(true);
  expect(requiredCapabilities(req({ response_format: { type: 'json_object' } })).json_schema).toBeUndefined();
});

test('satisfies', () => {
  const have = { tools: true, vision: false, json_schema: true, context: 8_192 };
  expect(satisfies(have, {})).toBe(true);
  expect(satisfies(have, { tools: true, json_schema: true })).toBe(true);
  expect(satisfies(have, { vision: true })).toBe(false);
  expect(satisfies(have, { vision: false })).toBe(true);
  expect(satisfies(have, { context: 16_000 })).toBe(false);
  expect(satisfies(have, { estimatedTokens: 9_000 })).toBe(false);
  expect(satisfies(have, { estimatedTokens: 8_000 })).toBe(true);
  expect(satisfies({}, { estimatedTokens: 1e9 })).toBe(true);
  expect(satisfies({}, { tools: true })).toBe(false);
});
