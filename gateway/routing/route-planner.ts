import type { ChatModel } from '../core/chat-model';
import type { ChatRequest } from '../core/chat-request';
import { GatewayError, GatewayErrors } from '../core/errors';
import type { Provider } from '../providers/provider';
import type { PriceTable } from '../usage/price-table';
import { capabilitiesOf, requiredCapabilities, satisfies } from './capabilities';
import type { CircuitBreaker } from './circuit-breaker';
import type { ModelRegistry } from './model-registry';
import type { RoutingExtensions } from './routing-extensions';
import { type ModelRoute, type RoutingConfig, type Strategy, VIRTUAL_MODELS } from './routing-config';
import { orderCandidates, type RoundRobinState } from './strategies';

export { parseRoutingExtensions, routingExtensionsSchema, type RoutingExtensions } from './routing-extensions';

/**
 * Plans one chat request: which concrete models to try, in which order. Pure apart from the registry's
 * name resolution and the load_balanced rotation; no upstream is called.
 *
 * The model name is (1) a virtual model (`auto`, `cb:*`: candidates from `groups[name]`, else the first chat
 * model of each non-demo provider), (2) a route of `routing.models`, or (3) whatever the registry resolves
 * (its route, if any, is also looked up under the resolved ref). The route's pool is ordered by the strategy;
 * then the request's extensions apply: fallback lists appended, provider filters, price caps, provider
 * preferences moved first. Candidates that certainly cannot serve the request (tools, images) are dropped
 * unless none would be left; under model_specific every required capability and the context size count.
 */

export interface Candidate {
  /** Canonical ModelRef: `<provider instance>/<modelId>`. */
  ref: string;
  provider: Provider;
  modelId: string;
  model: ChatModel;
}

export interface RoutePlan {
  candidates: Candidate[];
  strategy: Strategy;
  /** false when the caller forbade fallbacks: try only the first candidate (still rotating its keys). */
  allowFallbacks: boolean;
  /** Human-readable, for logs: "route gpt-4o: failover_chain over 3". */
  reason: string;
}

export interface RouteRequest {
  model: string;
  stream: boolean;
  request: ChatRequest;
  extensions: RoutingExtensions;
}

export interface PlannerDeps {
  registry: ModelRegistry;
  config: RoutingConfig;
  circuits: CircuitBreaker;
  prices: PriceTable;
  rr: RoundRobinState;
}

interface Planned extends Candidate {
  /** Came from a request fallback list (kept after the route's own pool, in the caller's order). */
  appended: boolean;
  weight: number;
}

type Pool = { base: BasePool; resolved: { candidates: Planned[]; firstError?: unknown } };
/** Resolved route pools per registry, routing config (a reload starts afresh) and model name. Failures are not kept. */
const poolCache = new WeakMap<ModelRegistry, WeakMap<RoutingConfig, Map<string, Promise<Pool>>>>();

function cachedPool(model: string, deps: PlannerDeps): Promise<Pool> {
  let byConfig = poolCache.get(deps.registry);
  if (!byConfig) poolCache.set(deps.registry, (byConfig = new WeakMap()));
  let byModel = byConfig.get(deps.config);
  if (!byModel) byConfig.set(deps.config, (byModel = new Map()));
  const hit = byModel.get(model);
  if (hit) return hit;
  const pool = (async () => {
    const base = await basePool(model, deps);
    return { base, resolved: await resolveAll(base.refs, deps.registry, base.route) };
  })();
  if (byModel.size >= 1_000) byModel.clear();
  byModel.set(model, pool);
  const cache = byModel;
  pool.then(
    (p) => p.resolved.firstError !== undefined && cache.delete(model),
    () => cache.delete(model),
  );
  return pool;
}

export async function planRoute(input: RouteRequest, deps: PlannerDeps): Promise<RoutePlan> {
  const { config, registry } = deps;
  const ext = input.extensions;
  const { base, resolved } = await cachedPool(input.model, deps);
  const route = base.route;
  if (resolved.candidates.length === 0) throw resolved.firstError ?? registry404(registry, input.model);
  let list: Planned[] = [...resolved.candidates];
  // The common case — a plain model, no configured route, no request extensions — has nothing to filter or order.
  if (list.length === 1 && route === undefined && Object.keys(ext).length === 0) {
    const only = list[0] as Planned;
    const note = base.kind === undefined ? '' : ` (${base.kind})`;
    return { candidates: [{ ref: only.ref, provider: only.provider, modelId: only.modelId, model: only.model }], strategy: base.strategy, allowFallbacks: true, reason: `route ${input.model}: ${base.strategy} over 1${note}` };
  }

  for (const [param, names] of [['models', ext.models], ['circuit_breaker.fallback_models', ext.circuit_breaker?.fallback_models]] as const) {
    for (const [i, name] of (names ?? []).entries()) {
      const c = await resolveOne(name, registry).catch(() => {
        throw GatewayErrors.invalidRequest(`${param}[${i}]: the model '${name}' does not exist or is not served here`, `${param}[${i}]`, 'model_not_found');
      });
      if (!list.some((x) => x.ref === c.ref)) list.push({ ...c, appended: true, weight: 1 });
    }
  }

  let strategy: Strategy = base.strategy;
  const sort = ext.provider?.sort;
  if (sort === 'price') strategy = 'cost_optimized';
  else if (sort === 'throughput' || sort === 'latency') strategy = 'performance_first';
  if (ext.circuit_breaker?.strategy) strategy = ext.circuit_breaker.strategy;

  // Filters the operator or the caller set: an empty result is an error naming the filter.
  const { prices } = deps;
  const fits = (limit: number | undefined, v: number | undefined): boolean => limit === undefined || v === undefined || v <= limit;
  if (route?.cost_limit !== undefined) {
    const limit = route.cost_limit;
    list = keep(list, (c) => fits(limit, prices.per1k(c.ref)), input.model, `the route's cost_limit ($${limit}/1k tokens)`, 'model');
  }
  const only = ext.provider?.only;
  if (only && only.length > 0) list = keep(list, (c) => matchesAny(c, only), input.model, 'provider.only', 'provider.only');
  const ignore = ext.provider?.ignore;
  if (ignore && ignore.length > 0) list = keep(list, (c) => !matchesAny(c, ignore), input.model, 'provider.ignore', 'provider.ignore');
  const maxPrice = ext.provider?.max_price;
  if (maxPrice && (maxPrice.prompt !== undefined || maxPrice.completion !== undefined)) {
    list = keep(
      list,
      (c) => {
        const p = prices.price(c.ref);
        return fits(maxPrice.prompt, p?.input) && fits(maxPrice.completion, p?.output);
      },
      input.model,
      'provider.max_price',
      'provider.max_price',
    );
  }
  const maxCost = ext.circuit_breaker?.max_cost_per_1k_tokens;
  if (maxCost !== undefined) {
    list = keep(list, (c) => fits(maxCost, prices.per1k(c.ref)), input.model, 'circuit_breaker.max_cost_per_1k_tokens', 'circuit_breaker.max_cost_per_1k_tokens');
  }

  // Capabilities: certain needs always; everything (incl. context size) under model_specific.
  if (list.length > 1) {
    const need = requiredCapabilities(input.request);
    const certain = { tools: need.tools, vision: need.vision };
    const wanted = strategy === 'model_specific' ? { ...need, ...trueOnly(route?.require) } : certain;
    const capable = list.filter((c) => satisfies(capabilitiesOf(c.ref, config.capabilities), wanted));
    if (capable.length > 0) list = capable;
  }

  // Order: the strategy over the route's own pool, then the caller's fallbacks, then provider preferences.
  const targets = [route?.performance_target, ext.circuit_breaker?.max_latency_ms].filter((v): v is number => v !== undefined);
  const performanceTargetMs = targets.length > 0 ? Math.min(...targets) : undefined;
  const ctx = { circuits: deps.circuits, prices, rr: deps.rr, routeKey: input.model, stream: input.stream, ...(performanceTargetMs === undefined ? {} : { performanceTargetMs }) };
  const own = list.filter((c) => !c.appended);
  const infos = own.map((c) => ({ ref: c.ref, provider: c.provider.settings.name, weight: c.weight }));
  const byRef = new Map(own.map((c) => [c.ref, c]));
  const strategic = orderCandidates(strategy, infos, ctx).flatMap((i) => byRef.get(i.ref) ?? []);
  const ordered = [...strategic, ...list.filter((c) => c.appended)];
  const preferred = [...(ext.provider?.order ?? []), ...(ext.circuit_breaker?.preferred_providers ?? [])];
  const final = preferred.length > 0 ? preferFirst(ordered, preferred) : ordered;

  const allowFallbacks = ext.provider?.allow_fallbacks !== false;
  const notes = [base.kind, allowFallbacks ? undefined : 'fallbacks off'].filter((s): s is string => s !== undefined);
  return {
    candidates: final.map(({ ref, provider, modelId, model }) => ({ ref, provider, modelId, model })),
    strategy,
    allowFallbacks,
    reason: `route ${input.model}: ${strategy} over ${final.length}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`,
  };
}

interface BasePool {
  refs: string[];
  strategy: Strategy;
  route: ModelRoute | undefined;
  kind?: string;
}

/** The route's own candidate names (unresolved) and strategy. */
async function basePool(model: string, deps: PlannerDeps): Promise<BasePool> {
  const { config, registry } = deps;
  const virtual = VIRTUAL_MODELS[model];
  if (virtual !== undefined) {
    const route = config.models[model];
    const group = config.groups[model];
    // A route for a virtual name may give its own pool, or only options (cost_limit, fallback, …) over the group.
    const refs = route && hasPool(route) ? routeRefs(route, model, deps) : [...(group ?? defaultGroup(registry)), ...(route?.fallback ?? [])];
    const strategy = virtual === 'default' ? (route?.strategy ?? config.default_strategy) : virtual;
    return { refs: [...refs], strategy, route, kind: 'virtual' };
  }
  const direct = config.models[model];
  if (direct) return { refs: routeRefs(direct, model, deps), strategy: direct.strategy ?? config.default_strategy, route: direct, kind: 'configured' };
  const r = await registry.resolve(model, 'chat');
  const ref = `${r.provider.settings.name}/${r.modelId}`;
  const byRef = config.models[ref];
  if (byRef) return { refs: routeRefs(byRef, ref, deps), strategy: byRef.strategy ?? config.default_strategy, route: byRef, kind: 'configured' };
  return { refs: [ref], strategy: config.default_strategy, route: undefined };
}

/**
 * A route's pool: `models` when given; else the primary (the route's own name when it has none, nor
 * providers), each `providers` entry's member of `group` (else its first configured model), then `fallback`.
 */
function routeRefs(route: ModelRoute, self: string, deps: PlannerDeps): string[] {
  if (route.models && route.models.length > 0) return [...route.models];
  const out: string[] = [];
  if (route.primary) out.push(route.primary);
  else if (!route.providers || route.providers.length === 0) out.push(self);
  const group = route.group === undefined ? [] : (deps.config.groups[route.group] ?? []);
  for (const name of route.providers ?? []) {
    const p = findProvider(deps.registry, name);
    if (!p) continue;
    const member = group.find((ref) => sameProvider(ref.slice(0, ref.indexOf('/')), p));
    const first = p.settings.models[0];
    if (member) out.push(member);
    else if (first !== undefined) out.push(`${p.settings.name}/${first}`);
  }
  out.push(...route.fallback);
  return out;
}

function hasPool(route: ModelRoute): boolean {
  return (route.models?.length ?? 0) > 0 || route.primary !== undefined || (route.providers?.length ?? 0) > 0;
}

/** `auto` and friends without a configured group: the first chat model of each non-demo provider. */
/** The first chat model of every real provider; in demo mode (no real provider at all) the demo echo model. */
function defaultGroup(registry: ModelRegistry): string[] {
  const real = registry.providers.flatMap((p) => {
    const first = p.settings.models[0];
    return p.settings.kind === 'demo' || first === undefined ? [] : [`${p.settings.name}/${first}`];
  });
  if (real.length > 0) return real;
  const demo = registry.providers.find((p) => p.settings.kind === 'demo');
  return demo && demo.settings.models[0] !== undefined ? [`${demo.settings.name}/${demo.settings.models[0]}`] : [];
}

async function resolveAll(refs: readonly string[], registry: ModelRegistry, route: ModelRoute | undefined): Promise<{ candidates: Planned[]; firstError?: unknown }> {
  const candidates: Planned[] = [];
  let firstError: unknown;
  for (const name of refs) {
    try {
      const c = await resolveOne(name, registry);
      if (candidates.some((x) => x.ref === c.ref)) continue;
      candidates.push({ ...c, appended: false, weight: route?.weights?.[c.ref] ?? route?.weights?.[name] ?? 1 });
    } catch (err) {
      firstError ??= err;
    }
  }
  return firstError === undefined ? { candidates } : { candidates, firstError };
}

async function resolveOne(name: string, registry: ModelRegistry): Promise<Candidate> {
  const r = await registry.resolve(name, 'chat');
  const ref = `${r.provider.settings.name}/${r.modelId}`;
  return { ref, provider: r.provider, modelId: r.modelId, model: await registry.chatModel(ref) };
}

function registry404(registry: ModelRegistry, model: string): GatewayError {
  const configured = registry.providers.map((p) => p.settings.name).join(', ') || 'none';
  return new GatewayError({ status: 404, type: 'not_found_error', code: 'model_not_found', param: 'model', message: `No configured model serves '${model}'. Configured providers: ${configured}.` });
}

function findProvider(registry: ModelRegistry, name: string): Provider | undefined {
  const n = name.toLowerCase();
  return registry.providers.find((p) => p.settings.name.toLowerCase() === n) ?? registry.providers.find((p) => p.settings.kind !== 'demo' && sameProvider(n, p));
}

/** A provider named by instance name or kind, case-insensitively (`gemini` names the google kind). */
function sameProvider(name: string, p: Provider): boolean {
  const n = name.toLowerCase();
  return p.settings.name.toLowerCase() === n || p.settings.kind === n || (n === 'gemini' && p.settings.kind === 'google');
}

function matchesAny(c: Candidate, names: readonly string[]): boolean {
  return names.some((n) => sameProvider(n, c.provider));
}

/** Stable: candidates of `names[0]` first, then of `names[1]`, …, then the rest as they were. */
function preferFirst<T extends Candidate>(list: readonly T[], names: readonly string[]): T[] {
  const rank = (c: T): number => {
    const i = names.findIndex((n) => sameProvider(n, c.provider));
    return i < 0 ? names.length : i;
  };
  return list
    .map((c, i) => ({ c, i, r: rank(c) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((e) => e.c);
}

function keep<T extends Candidate>(list: T[], pred: (c: T) => boolean, model: string, filter: string, param: string): T[] {
  const out = list.filter(pred);
  if (out.length > 0) return out;
  throw new GatewayError({
    status: 404,
    type: 'not_found_error',
    code: 'no_eligible_model',
    param,
    message: `No candidate for '${model}' passes ${filter} (candidates: ${list.map((c) => c.ref).join(', ')}).`,
  });
}

function trueOnly(req: ModelRoute['require']): Partial<{ tools: true; vision: true; json_schema: true; context: number }> {
  if (!req) return {};
  return {
    ...(req.tools ? { tools: true as const } : {}),
    ...(req.vision ? { vision: true as const } : {}),
    ...(req.json_schema ? { json_schema: true as const } : {}),
    ...(req.context !== undefined ? { context: req.context } : {}),
  };
}
