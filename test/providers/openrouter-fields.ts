/** What OpenRouter clients send beside OpenAI's fields, for the tests of every provider kind. */

/** OpenRouter's extras an OpenRouter-compatible upstream understands (samplers, usage accounting, plugins …). */
export const OPENROUTER_EXTRAS = {
  usage: { include: true },
  plugins: [{ id: 'web' }],
  top_k: 40,
  repetition_penalty: 1.1,
  min_p: 0.05,
  top_a: 0.2,
  transforms: ['middle-out'],
  reasoning: { effort: 'high' },
  include_reasoning: true,
};

/** Routing fields (OpenRouter's and ours): consumed by our router, never sent upstream. */
export const ROUTING_FIELDS = { models: ['gpt-4o-mini'], route: 'fallback', provider: { order: ['openai'] }, circuit_breaker: { strategy: 'failover_chain' } };
