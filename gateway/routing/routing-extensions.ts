import { z } from 'zod';
import { durationSchema } from '../core/duration';
import { invalidRequestFromZod } from '../core/zod-issues';
import { costLimitSchema, type Strategy, strategySchema } from './routing-config';

/**
 * Per-request routing fields read from the raw chat body: OpenRouter's (`models`, `route`, `provider`) and our
 * namespaced `circuit_breaker`. Tolerant: unknown fields (ours or OpenRouter's newer ones) are ignored and
 * `null` means absent; a present field with an invalid value is a 400 naming the parameter.
 */

export type RoutingExtensions = {
  /** OpenRouter fallback list, tried after the requested model's own candidates. */
  models?: string[];
  route?: 'fallback';
  provider?: {
    order?: string[];
    only?: string[];
    ignore?: string[];
    allow_fallbacks?: boolean;
    sort?: 'price' | 'throughput' | 'latency';
    /** USD per 1M tokens. */
    max_price?: { prompt?: number; completion?: number };
  };
  circuit_breaker?: {
    strategy?: Strategy;
    /** USD per 1k tokens (number, or "$0.03/1k_tokens"). */
    max_cost_per_1k_tokens?: number;
    /** Milliseconds (number, or "2s"). */
    max_latency_ms?: number;
    fallback_models?: string[];
    preferred_providers?: string[];
  };
};

/** `null` → absent, so clients that send explicit nulls are not rejected. */
const opt = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === null ? undefined : v), schema.optional());
const names = z.array(z.string().trim().min(1));
const price = z.union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?$/).transform(Number)]);

/** The request fields the router consumes (OpenRouter's and ours): never forwarded to any upstream. */
export const ROUTING_EXTENSION_FIELDS = ['models', 'route', 'provider', 'circuit_breaker'] as const satisfies ReadonlyArray<keyof RoutingExtensions>;

export const routingExtensionsSchema: z.ZodType<RoutingExtensions> = z.object({
  models: opt(names),
  route: opt(z.literal('fallback')),
  provider: opt(
    z.object({
      order: opt(names),
      only: opt(names),
      ignore: opt(names),
      allow_fallbacks: opt(z.boolean()),
      sort: opt(z.enum(['price', 'throughput', 'latency'])),
      max_price: opt(z.object({ prompt: opt(price), completion: opt(price) })),
    }),
  ),
  circuit_breaker: opt(
    z.object({
      strategy: opt(strategySchema),
      max_cost_per_1k_tokens: opt(costLimitSchema),
      max_latency_ms: opt(durationSchema),
      fallback_models: opt(names),
      preferred_providers: opt(names),
    }),
  ),
});

/** Reads the routing extensions of a raw request body; a 400 GatewayError naming the parameter when invalid. */
export function parseRoutingExtensions(body: unknown): RoutingExtensions {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return {};
  const parsed = routingExtensionsSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw invalidRequestFromZod(parsed.error, 'routing extensions');
}
