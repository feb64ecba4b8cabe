import { loadConfig } from '../../../config/load-config';
import type { ChatRequest } from '../../../gateway/core/chat-request';
import { GatewayError } from '../../../gateway/core/errors';
import { ManualClock } from '../../helpers/manual-clock';
import { CircuitBreaker } from '../../../gateway/routing/circuit-breaker';
import { ModelRegistry } from '../../../gateway/routing/model-registry';
import { planRoute, type RoutePlan, type RoutingExtensions } from '../../../gateway/routing/route-planner';
import { DEFAULT_ROUTING, type RoutingConfig, routingConfigSchema } from '../../../gateway/routing/routing-config';
import { RoundRobinState } from '../../../gateway/routing/strategies';
import { PriceTable } from '../../../gateway/usage/price-table';

const settings = loadConfig({
  OPENAI_API_KEYS: 'k1,k2',
  ANTHROPIC_API_KEY: 'k',
  GOOGLE_API_KEY: 'k',
  AZURE_OPENAI_ENDPOINT: 'https://r.openai.azure.com',
  AZURE_OPENAI_API_KEY: 'k',
  AZURE_OPENAI_DEPLOYMENTS: 'gpt-4o-eu=eu-deploy',
  CUSTOM_LLM_ENDPOINT: 'http://127.0.0.1:9/v1',
  CUSTOM_LLM_MODELS: 'my-llama',
}).providers;
const openai = settings.find((s) => s.name === 'openai');
if (!openai) throw new Error('openai settings expected');
const registry = ModelRegistry.fromSettings([...settings, { ...openai, name: 'openai-eu', models: ['gpt-4o-mini'] }]);

interface Setup {
  config: RoutingConfig;
  circuits: CircuitBreaker;
  prices: PriceTable;
  rr: RoundRobinState;
}

function setup(routing: unknown = {}): Setup {
  const config = routingConfigSchema.parse(routing);
  return { config, circuits: new CircuitBreaker(() => config.circuit_breaker, new ManualClock()), prices: new PriceTable(config.prices), rr: new RoundRobinState() };
}

const userRequest = (model: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({ model, messages: [{ role: 'user', content: 'hello' }], ...extra });

async function plan(model: string, s: Setup = setup(), extensions: RoutingExtensions = {}, request: Partial<ChatRequest> = {}, stream = false): Promise<RoutePlan> {
  return planRoute({ model, stream, request: userRequest(model, request), extensions }, { registry, ...s });
}
const refs = (p: RoutePlan): string[] => p.candidates.map((c) => c.ref);
async function failure(p: Promise<unknown>): Promise<GatewayError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatewayError);
  return err as GatewayError;
}

describe('the model name', () => {
  test('a plain model resolves through the registry to one candidate', async () => {
    const p = await plan('gpt-4o');
    expect(refs(p)).toEqual(['openai/gpt-4o']);
    expect(p).toMatchObject({ strategy: 'failover_chain', allowFallbacks: true, reason: 'route gpt-4o: failover_chain over 1' });
    const c = p.candidates[0];
    expect(c?.provider.settings.name).toBe('openai');
    expect(c?.modelId).toBe('gpt-4o');
    expect(c?.model.modelId).toBe('gpt-4o');
  });

  test('Azure candidates keep the client-facing id; the model calls the deployment', async () => {
    const p = await plan('azure/gpt-4o-eu');
    expect(refs(p)).toEqual(['azure/gpt-4o-eu']);
    expect(p.candidates[0]?.model.modelId).toBe('eu-deploy');
  });

  test('an unknown model is the registry 404', async () => {
    const err = await failure(plan('mystery/model'));
    expect(err).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
  });

  test('default_strategy applies to plain models', async () => {
    expect((await plan('gpt-4o', setup({ default_strategy: 'cost_optimized' }))).strategy).toBe('cost_optimized');
  });
});

describe('virtual models', () => {
  test('auto without a group: the first model of each non-demo provider, default strategy', async () => {
    const p = await plan('auto');
    expect(refs(p)).toEqual(['openai/gpt-4o', 'anthropic/claude-3-5-sonnet-latest', 'google/gemini-2.0-flash', 'azure/gpt-4o-eu', 'custom/my-llama', 'openai-eu/gpt-4o-mini']);
    expect(p.strategy).toBe('failover_chain');
    expect(p.reason).toBe('route auto: failover_chain over 6 (virtual)');
  });

  test('cb:cost-optimal orders its group by price; unresolvable refs are skipped', async () => {
    const s = setup({ groups: { 'cb:cost-optimal': ['openai/gpt-4o', 'nowhere/model', 'anthropic/claude-3-5-haiku-latest', 'google/gemini-2.0-flash'] } });
    const p = await plan('cb:cost-optimal', s);
    expect(p.strategy).toBe('cost_optimized');
    expect(refs(p)).toEqual(['google/gemini-2.0-flash', 'anthropic/claude-3-5-haiku-latest', 'openai/gpt-4o']);
  });

  test('cb:fastest prefers the measured fastest; cb:balanced rotates', async () => {
    const s = setup({ groups: { 'cb:fastest': ['openai/gpt-4o', 'google/gemini-2.0-flash'], 'cb:balanced': ['openai/gpt-4o', 'google/gemini-2.0-flash'] } });
    s.circuits.recordSuccess('openai/gpt-4o', { latencyMs: 900 });
    s.circuits.recordSuccess('google/gemini-2.0-flash', { latencyMs: 200 });
    expect(refs(await plan('cb:fastest', s))).toEqual(['google/gemini-2.0-flash', 'openai/gpt-4o']);
    const firsts = [];
    for (let i = 0; i < 4; i++) firsts.push(refs(await plan('cb:balanced', s))[0]);
    expect(firsts).toEqual(['openai/gpt-4o', 'google/gemini-2.0-flash', 'openai/gpt-4o', 'google/gemini-2.0-flash']);
  });

  test('a route for a virtual name: its own pool, or options over the group', async () => {
    const own = setup({ models: { auto: { models: ['google/gemini-2.0-flash', 'openai/gpt-4o'], strategy: 'cost_optimized' } } });
    const p = await plan('auto', own);
    expect(p.strategy).toBe('cost_optimized');
    expect(refs(p)).toEqual(['google/gemini-2.0-flash', 'openai/gpt-4o']);
    const opts = setup({ groups: { 'cb:balanced': ['openai/gpt-4o', 'openai/gpt-4o-mini'] }, models: { 'cb:balanced': { cost_limit: 0.001, fallback: ['custom/my-llama'], strategy: 'failover_chain' } } });
    const q = await plan('cb:balanced', opts);
    expect(q.strategy).toBe('load_balanced'); // the virtual name decides
    expect(refs(q)).toEqual(['openai/gpt-4o-mini', 'custom/my-llama']);
  });

  test('the demo family is used implicitly only in demo mode (no real provider at all)', async () => {
    const s = setup();
    const demoOnly = ModelRegistry.fromSettings(loadConfig({}).providers);
    const auto = await planRoute({ model: 'auto', stream: false, request: userRequest('auto'), extensions: {} }, { registry: demoOnly, ...s });
    expect(auto.candidates.map((c) => c.ref)).toEqual(['demo/echo']);
    const mixed = ModelRegistry.fromSettings(loadConfig({ CB_DEMO: 'true', OPENAI_API_KEY: 'k' }).providers);
    const real = await planRoute({ model: 'auto', stream: false, request: userRequest('auto'), extensions: {} }, { registry: mixed, ...s });
    expect(real.candidates.map((c) => c.ref)).toEqual(['openai/gpt-4o']);
    const named = await planRoute({ model: 'demo/echo', stream: false, request: userRequest('demo/echo'), extensions: {} }, { registry: mixed, ...s });
    expect(named.candidates.map((c) => c.ref)).toEqual(['demo/echo']);
  });
});

describe('configured routes', () => {
  test('primary + fallback with a strategy', async () => {
    const s = setup({ models: { smart: { primary: 'anthropic/claude-opus-4-0', fallback: ['openai/gpt-4o', 'google/gemini-2.5-pro'], strategy: 'failover_chain' } } });
    const p = await plan('smart', s);
    expect(refs(p)).toEqual(['anthropic/claude-opus-4-0', 'openai/gpt-4o', 'google/gemini-2.5-pro']);
    expect(p.reason).toBe('route smart: failover_chain over 3 (configured)');
  });

  test('a route with only fallbacks keeps the requested model first', async () => {
    const p = await plan('gpt-4o', setup({ models: { 'gpt-4o': { fallback: ['anthropic/claude-3-5-sonnet-latest'] } } }));
    expect(refs(p)).toEqual(['openai/gpt-4o', 'anthropic/claude-3-5-sonnet-latest']);
  });

  test('a route is also found under the resolved ref', async () => {
    const p = await plan('gpt-4o', setup({ models: { 'openai/gpt-4o': { fallback: ['azure/gpt-4o-eu'], strategy: 'cost_optimized' } } }));
    expect(refs(p)).toEqual(['openai/gpt-4o', 'azure/gpt-4o-eu']);
    expect(p.strategy).toBe('cost_optimized');
  });

  test('an explicit models pool, deduplicated', async () => {
    const p = await plan('pool', setup({ models: { pool: { models: ['openai/gpt-4o', 'google/gemini-2.0-flash', 'openai/gpt-4o'] } } }));
    expect(refs(p)).toEqual(['openai/gpt-4o', 'google/gemini-2.0-flash']);
  });

  test('aliases by providers: each contributes its group member, else its first model', async () => {
    const s = setup({
      groups: { coders: ['anthropic/claude-sonnet-4-0', 'openai/gpt-4.1'] },
      models: {
        code_generation: { providers: ['openai', 'anthropic'], strategy: 'performance_first' },
        code_grouped: { providers: ['openai', 'Anthropic', 'gemini', 'nowhere'], group: 'coders' },
      },
    });
    const p = await plan('code_generation', s);
    expect(refs(p)).toEqual(['openai/gpt-4o', 'anthropic/claude-3-5-sonnet-latest']);
    expect(p.strategy).toBe('performance_first');
    expect(refs(await plan('code_grouped', s))).toEqual(['openai/gpt-4.1', 'anthropic/claude-sonnet-4-0', 'google/gemini-2.0-flash']);
  });

  test('cost_limit drops candidates priced above it (unknown prices pass); none left → 404', async () => {
    const s = setup({ models: { cheap: { models: ['openai/gpt-4o', 'openai/gpt-4o-mini', 'custom/my-llama'], cost_limit: '$0.001/1k_tokens' } } });
    expect(refs(await plan('cheap', s))).toEqual(['openai/gpt-4o-mini', 'custom/my-llama']);
    const none = setup({ models: { cheap: { models: ['openai/gpt-4o'], cost_limit: 0.0001 } } });
    expect(await failure(plan('cheap', none))).toMatchObject({ status: 404, code: 'no_eligible_model' });
  });

  test('weights feed load_balanced', async () => {
    const s = setup({ models: { lb: { models: ['openai/gpt-4o', 'azure/gpt-4o-eu'], strategy: 'load_balanced', weights: { 'openai/gpt-4o': 3 } } } });
    const firsts: string[] = [];
    for (let i = 0; i < 8; i++) firsts.push(refs(await plan('lb', s))[0] ?? '');
    expect(firsts.filter((r) => r === 'openai/gpt-4o')).toHaveLength(6);
  });

  test('model_specific filters by required capabilities and context size', async () => {
    const s = setup({ models: { vision: { models: ['custom/my-llama', 'openai/o3-mini', 'openai/gpt-4o'], strategy: 'model_specific', require: { vision: true } } } });
    expect(refs(await plan('vision', s))).toEqual(['openai/gpt-4o']);
    const ctx = setup({ models: { big: { models: ['custom/my-llama', 'openai/gpt-4o'], strategy: 'model_specific' } } });
    expect(refs(await plan('big', ctx))).toEqual(['custom/my-llama', 'openai/gpt-4o']);
    expect(refs(await plan('big', ctx, {}, { max_tokens: 16_000 }))).toEqual(['openai/gpt-4o']);
    const schema = setup({ models: { js: { models: ['openai/gpt-3.5-turbo', 'openai/gpt-4o'], strategy: 'model_specific' } } });
    expect(refs(await plan('js', schema, {}, { response_format: { type: 'json_schema', json_schema: { name: 'x' } } }))).toEqual(['openai/gpt-4o']);
  });

  test('certain needs (tools, images) drop incapable candidates under any strategy, unless none would be left', async () => {
    const s = setup({
      capabilities: { 'my-llama': { tools: false } },
      models: { mixed: { models: ['custom/my-llama', 'openai/o3-mini', 'openai/gpt-4o'] }, only_local: { models: ['custom/my-llama'] } },
    });
    const image: Partial<ChatRequest> = { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] };
    expect(refs(await plan('mixed', s, {}, image))).toEqual(['openai/gpt-4o']);
    const tools: Partial<ChatRequest> = { tools: [{ type: 'function', function: { name: 'f' } }] };
    expect(refs(await plan('mixed', s, {}, tools))).toEqual(['openai/o3-mini', 'openai/gpt-4o']);
    expect(refs(await plan('only_local', s, {}, tools))).toEqual(['custom/my-llama']);
    // a context size that does not fit only matters under model_specific
    expect(refs(await plan('mixed', s, {}, { max_tokens: 100_000 }))).toEqual(['custom/my-llama', 'openai/o3-mini', 'openai/gpt-4o']);
  });
});

describe('request extensions', () => {
  test('models: appended after the primary, deduplicated; unknown → 400 naming models[i]', async () => {
    const p = await plan('gpt-4o', setup(), { models: ['anthropic/claude-3-5-sonnet-latest', 'openai/gpt-4o', 'gemini-2.0-flash'], route: 'fallback' });
    expect(refs(p)).toEqual(['openai/gpt-4o', 'anthropic/claude-3-5-sonnet-latest', 'google/gemini-2.0-flash']);
    const err = await failure(plan('gpt-4o', setup(), { models: ['gpt-4o-mini', 'nowhere/x'] }));
    expect(err).toMatchObject({ status: 400, param: 'models[1]', code: 'model_not_found' });
  });

  test('fallbacks are not reordered by the strategy', async () => {
    const s = setup({ default_strategy: 'cost_optimized', models: { duo: { models: ['openai/gpt-4o', 'openai/gpt-4o-mini'] } } });
    const p = await plan('duo', s, { models: ['anthropic/claude-opus-4-0', 'google/gemini-2.0-flash'] });
    expect(refs(p)).toEqual(['openai/gpt-4o-mini', 'openai/gpt-4o', 'anthropic/claude-opus-4-0', 'google/gemini-2.0-flash']);
  });

  test('circuit_breaker.fallback_models: appended; unknown → 400', async () => {
    const p = await plan('gpt-4o', setup(), { models: ['gpt-4o-mini'], circuit_breaker: { fallback_models: ['claude-3-5-haiku-latest'] } });
    expect(refs(p)).toEqual(['openai/gpt-4o', 'openai/gpt-4o-mini', 'anthropic/claude-3-5-haiku-latest']);
    const err = await failure(plan('gpt-4o', setup(), { circuit_breaker: { fallback_models: ['nowhere/x'] } }));
    expect(err).toMatchObject({ status: 400, param: 'circuit_breaker.fallback_models[0]' });
  });

  test('provider.order and preferred_providers move those providers first, stably, in that order', async () => {
    const s = setup({ groups: { auto: ['openai/gpt-4o', 'anthropic/claude-3-5-sonnet-latest', 'google/gemini-2.0-flash', 'openai-eu/gpt-4o-mini'] } });
    expect(refs(await plan('auto', s, { provider: { order: ['GOOGLE', 'anthropic'] } }))).toEqual([
      'google/gemini-2.0-flash',
      'anthropic/claude-3-5-sonnet-latest',
      'openai/gpt-4o',
      'openai-eu/gpt-4o-mini',
    ]);
    expect(refs(await plan('auto', s, { circuit_breaker: { preferred_providers: ['openai-eu'] } }))[0]).toBe('openai-eu/gpt-4o-mini');
    expect(refs(await plan('auto', s, { provider: { order: ['anthropic'] }, circuit_breaker: { preferred_providers: ['gemini'] } })).slice(0, 2)).toEqual([
      'anthropic/claude-3-5-sonnet-latest',
      'google/gemini-2.0-flash',
    ]);
  });

  test('provider.only / provider.ignore filter by instance name or kind; none left → 404 naming the filter', async () => {
    const s = setup({ groups: { auto: ['openai/gpt-4o', 'anthropic/claude-3-5-sonnet-latest', 'openai-eu/gpt-4o-mini', 'azure/gpt-4o-eu'] } });
    expect(refs(await plan('auto', s, { provider: { only: ['OpenAI'] } }))).toEqual(['openai/gpt-4o', 'openai-eu/gpt-4o-mini']);
    expect(refs(await plan('auto', s, { provider: { only: ['openai-eu', 'azure'] } }))).toEqual(['openai-eu/gpt-4o-mini', 'azure/gpt-4o-eu']);
    expect(refs(await plan('auto', s, { provider: { ignore: ['openai'] } }))).toEqual(['anthropic/claude-3-5-sonnet-latest', 'azure/gpt-4o-eu']);
    expect(await failure(plan('gpt-4o', s, { provider: { only: ['anthropic'] } }))).toMatchObject({ status: 404, param: 'provider.only', code: 'no_eligible_model' });
    expect(await failure(plan('gpt-4o', s, { provider: { ignore: ['openai'] } }))).toMatchObject({ param: 'provider.ignore' });
  });

  test('provider.allow_fallbacks: false', async () => {
    const p = await plan('gpt-4o', setup(), { models: ['gpt-4o-mini'], provider: { allow_fallbacks: false } });
    expect(p.allowFallbacks).toBe(false);
    expect(refs(p)[0]).toBe('openai/gpt-4o');
    expect(p.reason).toBe('route gpt-4o: failover_chain over 2 (fallbacks off)');
  });

  test('provider.sort picks the strategy; circuit_breaker.strategy overrides it', async () => {
    const s = setup({ groups: { auto: ['openai/gpt-4o', 'openai/gpt-4o-mini'] } });
    s.circuits.recordSuccess('openai/gpt-4o-mini', { latencyMs: 900 });
    s.circuits.recordSuccess('openai/gpt-4o', { latencyMs: 100 });
    const price = await plan('auto', s, { provider: { sort: 'price' } });
    expect(price.strategy).toBe('cost_optimized');
    expect(refs(price)[0]).toBe('openai/gpt-4o-mini');
    for (const sort of ['latency', 'throughput'] as const) {
      const p = await plan('auto', s, { provider: { sort } });
      expect(p.strategy).toBe('performance_first');
      expect(refs(p)[0]).toBe('openai/gpt-4o');
    }
    const over = await plan('auto', s, { provider: { sort: 'price' }, circuit_breaker: { strategy: 'failover_chain' } });
    expect(over.strategy).toBe('failover_chain');
    expect(refs(over)).toEqual(['openai/gpt-4o', 'openai/gpt-4o-mini']);
  });

  test('provider.max_price (USD per 1M) and max_cost_per_1k_tokens filter by price; unknown prices pass', async () => {
    const s = setup({ groups: { auto: ['openai/gpt-4o', 'openai/gpt-4o-mini', 'custom/my-llama', 'anthropic/claude-opus-4-0'] } });
    expect(refs(await plan('auto', s, { provider: { max_price: { prompt: 1 } } }))).toEqual(['openai/gpt-4o-mini', 'custom/my-llama']);
    expect(refs(await plan('auto', s, { provider: { max_price: { completion: 10 } } }))).toEqual(['openai/gpt-4o', 'openai/gpt-4o-mini', 'custom/my-llama']);
    expect(refs(await plan('auto', s, { circuit_breaker: { max_cost_per_1k_tokens: 0.01 } }))).toEqual(['openai/gpt-4o', 'openai/gpt-4o-mini', 'custom/my-llama']);
    expect(await failure(plan('gpt-4o', s, { provider: { max_price: { prompt: 0.1 } } }))).toMatchObject({ param: 'provider.max_price' });
    expect(await failure(plan('gpt-4o', s, { circuit_breaker: { max_cost_per_1k_tokens: 0 } }))).toMatchObject({ param: 'circuit_breaker.max_cost_per_1k_tokens' });
  });

  test('max_latency_ms and performance_target move candidates whose p95 is above them last', async () => {
    const s = setup({ groups: { auto: ['openai/gpt-4o', 'google/gemini-2.0-flash'] }, models: { slowish: { models: ['openai/gpt-4o', 'google/gemini-2.0-flash'], performance_target: '2s' } } });
    s.circuits.recordSuccess('openai/gpt-4o', { latencyMs: 3000 });
    s.circuits.recordSuccess('google/gemini-2.0-flash', { latencyMs: 1500 });
    expect(refs(await plan('auto', s))).toEqual(['openai/gpt-4o', 'google/gemini-2.0-flash']);
    expect(refs(await plan('auto', s, { circuit_breaker: { max_latency_ms: 2000 } }))).toEqual(['google/gemini-2.0-flash', 'openai/gpt-4o']);
    expect(refs(await plan('slowish', s))).toEqual(['google/gemini-2.0-flash', 'openai/gpt-4o']);
    expect(refs(await plan('slowish', s, { circuit_breaker: { max_latency_ms: 1000 } }))).toEqual(['openai/gpt-4o', 'google/gemini-2.0-flash']);
  });

  test('streams rank by time to first token under performance_first', async () => {
    const s = setup({ groups: { 'cb:fastest': ['openai/gpt-4o', 'google/gemini-2.0-flash'] } });
    s.circuits.recordSuccess('openai/gpt-4o', { latencyMs: 5000, ttftMs: 100 });
    s.circuits.recordSuccess('google/gemini-2.0-flash', { latencyMs: 1000, ttftMs: 800 });
    expect(refs(await plan('cb:fastest', s))[0]).toBe('google/gemini-2.0-flash');
    expect(refs(await plan('cb:fastest', s, {}, {}, true))[0]).toBe('openai/gpt-4o');
  });
});

test('DEFAULT_ROUTING plans like an empty routing section', async () => {
  const s = { ...setup(), config: DEFAULT_ROUTING };
  expect(refs(await plan('claude-3-5-haiku-latest', s))).toEqual(['anthropic/claude-3-5-haiku-latest']);
});
