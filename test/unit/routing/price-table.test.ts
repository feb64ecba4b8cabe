import { BUILT_IN_PRICES, PriceTable } from '../../../gateway/usage/price-table';

test('built-in prices by ref or bare id', () => {
  const t = new PriceTable();
  expect(t.price('openai/gpt-4o')).toEqual({ input: 2.5, output: 10 });
  expect(t.price('gpt-4o-mini')).toEqual({ input: 0.15, output: 0.6 });
  expect(t.price('azure/gpt-4o')).toEqual(BUILT_IN_PRICES['gpt-4o']);
  expect(t.price('google/gemini-2.5-flash')).toEqual({ input: 0.3, output: 2.5 });
  expect(t.price('anthropic/claude-opus-4-0')).toEqual({ input: 15, output: 75 });
});

test('dated and suffixed ids match the longest known prefix', () => {
  const t = new PriceTable();
  expect(t.price('openai/gpt-4o-2024-08-06')).toEqual(BUILT_IN_PRICES['gpt-4o']);
  expect(t.price('openai/gpt-4o-mini-2024-07-18')).toEqual(BUILT_IN_PRICES['gpt-4o-mini']);
  expect(t.price('openai/gpt-4.1-2025-04-14')).toEqual(BUILT_IN_PRICES['gpt-4.1']);
  expect(t.price('openai/gpt-4-0613')).toEqual(BUILT_IN_PRICES['gpt-4']);
  expect(t.price('anthropic/claude-3-5-sonnet-latest')).toEqual({ input: 3, output: 15 });
  expect(t.price('anthropic/claude-3-5-haiku-20241022')).toEqual({ input: 0.8, output: 4 });
  expect(t.price('anthropic/claude-sonnet-4-5-20250929')).toEqual(BUILT_IN_PRICES['claude-sonnet-4-5']);
  expect(t.price('openai/gpt-4o1')).toBeUndefined(); // not a dash-separated suffix
});

test('local providers are free; unknown models have no price', () => {
  const t = new PriceTable();
  expect(t.price('ollama/llama3.2:latest')).toEqual({ input: 0, output: 0 });
  expect(t.price('my-vllm/llama-3-70b')).toBeUndefined();
  expect(t.per1k('my-vllm/llama-3-70b')).toBeUndefined();
  expect(t.cost('my-vllm/llama-3-70b', { promptTokens: 1, completionTokens: 1 })).toBeUndefined();
  const withLocal = new PriceTable({}, { localProviders: ['my-vllm'] });
  expect(withLocal.price('my-vllm/llama-3-70b')).toEqual({ input: 0, output: 0 });
  expect(withLocal.price('ollama/llama3.2')).toBeUndefined();
});

test('overrides win: by ref first, then by bare id (also as prefixes)', () => {
  const t = new PriceTable({
    'openai/gpt-4o': { input: 1, output: 2 },
    'gpt-4o': { input: 3, output: 4 },
    'llama3.2': { input: 0.5, output: 0.5 },
    'my-model': { input: 7, output: 8 },
  });
  expect(t.price('openai/gpt-4o')).toEqual({ input: 1, output: 2 });
  expect(t.price('azure/gpt-4o')).toEqual({ input: 3, output: 4 });
  expect(t.price('gpt-4o-2024-08-06')).toEqual({ input: 3, output: 4 });
  expect(t.price('ollama/llama3.2')).toEqual({ input: 0.5, output: 0.5 }); // an explicit price beats "local"
  expect(t.price('custom/my-model-v2')).toEqual({ input: 7, output: 8 });
});

test('per1k blends input and output; cost is USD for the usage', () => {
  const t = new PriceTable();
  expect(t.per1k('openai/gpt-4o')).toBeCloseTo(0.00625, 10); // (2.5 + 10) / 2 / 1000
  expect(t.per1k('ollama/x')).toBe(0);
  expect(t.cost('openai/gpt-4o', { promptTokens: 1_000_000, completionTokens: 500_000 })).toBeCloseTo(7.5, 10);
  expect(t.cost('openai/gpt-4o-mini', { promptTokens: 1000, completionTokens: 1000 })).toBeCloseTo(0.00075, 10);
});
