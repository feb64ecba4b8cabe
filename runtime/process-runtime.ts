/**
 * What one process builds once and hands to everything in it that routes chat calls — the API's
 * `/v1/chat/completions` and the worker's agent activities alike (`npm start` runs both on the same one):
 * the hot-reloaded routing config, the rate limiter (only when some limit is configured) and the gateway
 * runtime (model registry, circuit breaker, key pools, prices, router).
 */
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { RoutingSource } from '../config/routing-source';
import type * as RateLimiterModule from '../gateway/rate-limits/rate-limiter';
import type { RateLimiter } from '../gateway/rate-limits/rate-limiter';
import { createRedactor, type Redact } from '../gateway/core/redact';
import { GatewayRuntime } from '../gateway/routing/gateway-runtime';

export interface ProcessRuntime {
  readonly gateway: GatewayRuntime;
  /** The routing config in force; reloaded when the config file changes. */
  readonly routing: RoutingSource;
  /** Removes every configured secret from a text (provider keys, API tokens, hook secrets). */
  readonly redact: Redact;
  /** Per-caller, global and per-key limits; undefined when none is configured. */
  readonly limiter: RateLimiter | undefined;
  /** Stops watching the config file and closes the limiter's Redis connection. Idempotent. */
  close(): Promise<void>;
}

export interface OpenProcessRuntimeOptions {
  /** Watch the config file for routing changes (default true). */
  watch?: boolean;
  env?: NodeJS.ProcessEnv;
}

export function openProcessRuntime(config: AppConfig, logger: Logger, opts: OpenProcessRuntimeOptions = {}): ProcessRuntime {
  const routing = new RoutingSource(config.routing, config.configFile, opts.env ?? process.env, logger);
  if (opts.watch !== false) routing.watch();
  const limiter = openRateLimiter(config, logger);
  const redact = createRedactor(configuredSecrets(config, opts.env ?? process.env));
  const gateway = new GatewayRuntime(config.providers, routing.get, { keyLimiter: limiter, redact });
  let closing: Promise<void> | undefined;
  return {
    gateway,
    routing,
    redact,
    limiter,
    close() {
      closing ??= (async () => {
        routing.close();
        await limiter?.close();
      })();
      return closing;
    },
  };
}

/** Every secret the configuration holds: provider keys, API tokens, hook secrets (named by `secret_env`). */
export function configuredSecrets(config: AppConfig, env: NodeJS.ProcessEnv): string[] {
  const hookSecrets = Object.values(config.hooks).flatMap((h) => (h.secret_env && env[h.secret_env] ? [env[h.secret_env] as string] : []));
  return [...config.providers.flatMap((p) => p.apiKeys), ...config.server.apiTokens, ...config.server.adminTokens, ...hookSecrets];
}

function openRateLimiter(config: AppConfig, logger: Logger): RateLimiter | undefined {
  const providerLimits = config.providers.flatMap((p) => (p.rateLimits ? [{ provider: p.name, keys: p.apiKeys.length, ...p.rateLimits }] : []));
  const limits = config.routing.rate_limits;
  const anyLimit = providerLimits.length > 0 || [limits.per_caller, limits.global].some((l) => l.rpm !== undefined || l.tpm !== undefined);
  if (!anyLimit) return undefined;
  // Loaded only when some limit is configured: a gateway without limits never pays for it (memory, hot path).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createRateLimiter } = require('../gateway/rate-limits/rate-limiter') as typeof RateLimiterModule;
  return createRateLimiter({ limits, providerLimits, redisUrl: config.redisUrl, keyPrefix: config.rateLimitPrefix, logger });
}
