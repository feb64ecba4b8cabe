import { createRedactor, type Redact } from '../core/redact';
import { configureUpstream } from '../http/upstream-client';
import type { ProviderSettings } from '../providers/provider';
import { PriceTable } from '../usage/price-table';
import { type Clock, systemClock } from './clock';
import { CircuitBreaker, type TargetHealth } from './circuit-breaker';
import { type KeyHealth, KeyPool } from './key-pool';
import { ModelRegistry } from './model-registry';
import { type KeyLimiter, Router } from './router';
import type { RoutingConfig } from './routing-config';
import { RoundRobinState } from './strategies';

/**
 * Everything a process needs to route chat calls, built once from the configuration: the model registry,
 * per-target circuits and latency statistics, per-provider key pools, prices and the router. One per process
 * (`runtime/process-runtime.ts` builds it at the entry point), shared by the API and the worker's agent activities,
 * so pipelines route exactly like `/v1/chat/completions` and see the same circuits, keys and routing reloads.
 */
export interface ProviderReport {
  provider: string;
  kind: string;
  keys: KeyHealth[];
  targets: TargetHealth[];
}

export class GatewayRuntime {
  readonly registry: ModelRegistry;
  readonly circuits: CircuitBreaker;
  readonly keyPools: ReadonlyMap<string, KeyPool>;
  readonly router: Router;
  private pricesFor: RoutingConfig | undefined;
  private priceTable: PriceTable = new PriceTable();

  constructor(
    private readonly providers: readonly ProviderSettings[],
    private readonly routing: () => RoutingConfig,
    opts: { clock?: Clock; keyLimiter?: KeyLimiter; registry?: ModelRegistry; sleep?: (ms: number, signal?: AbortSignal) => Promise<void>; redact?: Redact } = {},
  ) {
    const clock = opts.clock ?? systemClock;
    configureUpstream({ connectMs: routing().timeouts.connect_ms });
    this.registry = opts.registry ?? ModelRegistry.fromSettings([...providers]);
    this.circuits = new CircuitBreaker(() => this.routing().circuit_breaker, clock, (target) => this.registry.isListed(target));
    this.keyPools = new Map(providers.map((p) => [p.name, new KeyPool(p.name, p.apiKeys, p.keyWeights, clock)]));
    const prices = (): PriceTable => this.prices;
    this.router = new Router({
      registry: this.registry,
      config: routing,
      circuits: this.circuits,
      keyPools: this.keyPools,
      get prices() {
        return prices();
      },
      rr: new RoundRobinState(),
      clock,
      keyLimiter: opts.keyLimiter,
      redact: opts.redact ?? createRedactor(providers.flatMap((p) => p.apiKeys)),
      sleep: opts.sleep,
    });
  }

  /** The price table of the routing config in force (rebuilt when the config is reloaded). */
  get prices(): PriceTable {
    const cfg = this.routing();
    if (cfg !== this.pricesFor) {
      this.pricesFor = cfg;
      this.priceTable = new PriceTable(cfg.prices, { localProviders: this.providers.filter((p) => p.kind === 'ollama').map((p) => p.name) });
    }
    return this.priceTable;
  }

  /** Health, circuit and key state per provider, keys masked — for `GET /v1/providers`. */
  report(): ProviderReport[] {
    const targets = this.circuits.snapshot();
    return this.providers.map((p) => ({
      provider: p.name,
      kind: p.kind,
      keys: this.keyPools.get(p.name)?.snapshot() ?? [],
      targets: targets.filter((t) => t.target.startsWith(`${p.name}/`)),
    }));
  }
}
