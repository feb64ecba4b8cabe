import { z } from 'zod';
import { durationSchema } from '../core/duration';

/**
 * Routing, retry, circuit-breaking and rate limits as validated data (the `routing:` section of the config
 * file; hot-reloaded). Every field has a default, so an empty section is a complete, sensible policy.
 * Model references (`ModelRef`) are provider-qualified names as clients send them: `openai/gpt-4o`.
 */

export const STRATEGIES = ['cost_optimized', 'performance_first', 'load_balanced', 'failover_chain', 'model_specific'] as const;
export const strategySchema = z.enum(STRATEGIES);
export type Strategy = z.infer<typeof strategySchema>;

const int = z.number().int();
const modelRef = z.string().regex(/^[^/\s]+\/\S+$/, 'a provider-qualified model such as openai/gpt-4o');

/** "$0.03/1k_tokens", "0.03/1k", "$2.5/1m_tokens" → USD per 1k tokens. */
export const costLimitSchema = z.union([
  z.number().nonnegative(),
  z
    .string()
    .regex(/^\$?\d+(\.\d+)?\s*\/\s*1(k|m)(_tokens)?$/i, 'a price such as "$0.03/1k_tokens" or "$2.50/1m_tokens"')
    .transform((s) => {
      const m = /^\$?(\d+(?:\.\d+)?)\s*\/\s*1(k|m)/i.exec(s) as RegExpExecArray;
      const v = Number(m[1]);
      return m[2]?.toLowerCase() === 'm' ? v / 1000 : v;
    }),
]);


export const capabilitySchema = z.strictObject({
  tools: z.boolean().optional(),
  vision: z.boolean().optional(),
  json_schema: z.boolean().optional(),
  /** Context window in tokens. */
  context: int.positive().optional(),
});
export type Capabilities = z.infer<typeof capabilitySchema>;

/** How one client-facing model name or alias is routed. */
export const modelRouteSchema = z.strictObject({
  /** The first choice. */
  primary: modelRef.optional(),
  /** Tried in order after the primary (failover_chain), or as the rest of the pool (other strategies). */
  fallback: z.array(modelRef).default([]),
  /** An explicit candidate pool (instead of primary + fallback). */
  models: z.array(modelRef).optional(),
  /** Candidate pool by provider instance: each contributes its member of `group` (else its first model). */
  providers: z.array(z.string().min(1)).optional(),
  group: z.string().optional(),
  strategy: strategySchema.optional(),
  /** Candidates priced above this (USD per 1k tokens, input+output averaged) are not used. */
  cost_limit: costLimitSchema.optional(),
  /** Candidates whose observed p95 latency exceeds this are tried last. */
  performance_target: durationSchema.optional(),
  /** load_balanced weights per ModelRef (default 1). */
  weights: z.record(z.string(), z.number().positive()).optional(),
  /** model_specific: what a candidate must support (added to what the request itself needs). */
  require: capabilitySchema.optional(),
});
export type ModelRoute = z.infer<typeof modelRouteSchema>;

const limitSchema = z.strictObject({ rpm: int.positive().optional(), tpm: int.positive().optional() });
export type LimitSpec = z.infer<typeof limitSchema>;

export const routingConfigSchema = z.strictObject({
  default_strategy: strategySchema.default('failover_chain'),
  circuit_breaker: z
    .strictObject({
      /** Open when the error rate over the window exceeds this (0–1) … */
      error_rate_threshold: z.number().min(0).max(1).default(0.05),
      /** … once at least this many calls were seen in the window. */
      min_calls: int.positive().default(20),
      window_ms: int.positive().default(60_000),
      /** Or open after this many consecutive failures. */
      consecutive_failures: int.positive().default(5),
      /** Open → half-open after this long. */
      cooldown_ms: int.positive().default(10_000),
      /** Trial calls allowed while half-open. */
      half_open_probes: int.positive().default(1),
      /**
       * Targets whose model is in no configured list (a client may name any `openai/<id>`) are tracked in an LRU of
       * at most this many; configured models are always tracked.
       */
      max_unlisted_targets: int.positive().default(100),
    })
    .default({ error_rate_threshold: 0.05, min_calls: 20, window_ms: 60_000, consecutive_failures: 5, cooldown_ms: 10_000, half_open_probes: 1, max_unlisted_targets: 100 }),
  retry: z
    .strictObject({
      /** Upstream calls per request, all candidates and keys together. */
      max_attempts: int.positive().default(6),
      base_delay_ms: int.nonnegative().default(100),
      max_delay_ms: int.nonnegative().default(2_000),
      jitter: z.boolean().default(true),
      on_status_codes: z.array(int.min(400).max(599)).default([408, 409, 429, 500, 502, 503, 504, 529]),
      use_retry_after: z.boolean().default(true),
      /** A Retry-After longer than this makes the target ineligible for this request instead of waited for. */
      max_retry_after_ms: int.nonnegative().default(5_000),
      /** Total time a request may spend waiting between attempts before it answers 503. */
      budget_ms: int.nonnegative().default(5_000),
    })
    .default({ max_attempts: 6, base_delay_ms: 100, max_delay_ms: 2_000, jitter: true, on_status_codes: [408, 409, 429, 500, 502, 503, 504, 529], use_retry_after: true, max_retry_after_ms: 5_000, budget_ms: 5_000 }),
  timeouts: z
    .strictObject({
      /** Whole request, all attempts included. */
      request_ms: int.positive().default(600_000),
      connect_ms: int.positive().default(10_000),
      /** Upstream silent this long before the first byte (headers, or first stream event) → next candidate. */
      first_token_ms: int.positive().default(60_000),
    })
    .default({ request_ms: 600_000, connect_ms: 10_000, first_token_ms: 60_000 }),
  /** USD per 1M tokens, by ModelRef or bare model id; merged over the built-in price table. */
  prices: z.record(z.string(), z.strictObject({ input: z.number().nonnegative(), output: z.number().nonnegative() })).default({}),
  /** Capabilities by ModelRef or bare model id; merged over the built-in table. */
  capabilities: z.record(z.string(), capabilitySchema).default({}),
  /** Equivalence groups for virtual models (`auto`, `cb:cost-optimal`, `cb:fastest`, `cb:balanced`) and aliases. */
  groups: z.record(z.string(), z.array(modelRef).min(1)).default({}),
  /** Routes by client-facing model name or alias (`gpt-4o`, `code_generation`). */
  models: z.record(z.string(), modelRouteSchema).default({}),
  rate_limits: z
    .strictObject({ per_caller: limitSchema.default({}), global: limitSchema.default({}) })
    .default({ per_caller: {}, global: {} }),
});
export type RoutingConfig = z.infer<typeof routingConfigSchema>;

export const DEFAULT_ROUTING: RoutingConfig = routingConfigSchema.parse({});

/** Virtual model names and the strategy each one means. */
export const VIRTUAL_MODELS: Record<string, Strategy | 'default'> = {
  auto: 'default',
  'cb:cost-optimal': 'cost_optimized',
  'cb:fastest': 'performance_first',
  'cb:balanced': 'load_balanced',
};
