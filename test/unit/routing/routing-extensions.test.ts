import { GatewayError } from '../../../gateway/core/errors';
import { parseRoutingExtensions, routingExtensionsSchema } from '../../../gateway/routing/route-planner';

function rejects(body: unknown): GatewayError {
  try {
    parseRoutingExtensions(body);
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('expected a GatewayError');
}

test('reads OpenRouter fields and ours from the raw body; unknown fields are ignored', () => {
  const ext = parseRoutingExtensions({
    model: 'gpt-4o',
    messages: [],
    temperature: 0.2,
    transforms: ['middle-out'],
    models: ['openai/gpt-4o-mini', 'anthropic/claude-3-5-haiku-latest'],
    route: 'fallback',
    provider: { order: ['openai'], only: ['openai', 'anthropic'], ignore: ['azure'], allow_fallbacks: false, sort: 'price', max_price: { prompt: 1, completion: '2.5', image: 3 }, data_collection: 'deny', require_parameters: true },
    circuit_breaker: { strategy: 'cost_optimized', max_cost_per_1k_tokens: '$0.03/1k_tokens', max_latency_ms: '2s', fallback_models: ['gemini-2.0-flash'], preferred_providers: ['google'], future_field: 1 },
  });
  expect(ext).toEqual({
    models: ['openai/gpt-4o-mini', 'anthropic/claude-3-5-haiku-latest'],
    route: 'fallback',
    provider: { order: ['openai'], only: ['openai', 'anthropic'], ignore: ['azure'], allow_fallbacks: false, sort: 'price', max_price: { prompt: 1, completion: 2.5 } },
    circuit_breaker: { strategy: 'cost_optimized', max_cost_per_1k_tokens: 0.03, max_latency_ms: 2000, fallback_models: ['gemini-2.0-flash'], preferred_providers: ['google'] },
  });
});

test('absent and null fields mean no extension', () => {
  expect(parseRoutingExtensions({ model: 'x' })).toEqual({});
  const nulls = parseRoutingExtensions({ models: null, provider: null, circuit_breaker: { strategy: null } });
  expect(nulls.models).toBeUndefined();
  expect(nulls.provider).toBeUndefined();
  expect(nulls.circuit_breaker?.strategy).toBeUndefined();
  expect(parseRoutingExtensions('not an object')).toEqual({});
  expect(routingExtensionsSchema.safeParse({ models: ['a'] }).success).toBe(true);
});

test.each([
  [{ models: 'gpt-4o' }, 'models'],
  [{ models: ['ok', ''] }, 'models[1]'],
  [{ route: 'sometimes' }, 'route'],
  [{ provider: { order: [1] } }, 'provider.order[0]'],
  [{ provider: { allow_fallbacks: 'no' } }, 'provider.allow_fallbacks'],
  [{ provider: { sort: 'cheapest' } }, 'provider.sort'],
  [{ provider: { max_price: { prompt: -1 } } }, 'provider.max_price.prompt'],
  [{ circuit_breaker: { strategy: 'random' } }, 'circuit_breaker.strategy'],
  [{ circuit_breaker: { max_cost_per_1k_tokens: 'cheap' } }, 'circuit_breaker.max_cost_per_1k_tokens'],
  [{ circuit_breaker: { max_latency_ms: 'soon' } }, 'circuit_breaker.max_latency_ms'],
  [{ circuit_breaker: 'fast' }, 'circuit_breaker'],
])('invalid %j → 400 naming %s', (body, param) => {
  const err = rejects(body);
  expect(err.status).toBe(400);
  expect(err.type).toBe('invalid_request_error');
  expect(err.param).toBe(param);
  expect(err.message.startsWith(`${param}:`)).toBe(true);
});
