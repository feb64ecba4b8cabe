/**
 * Model prices in USD per 1M tokens, input and output. The built-in table holds approximate public list
 * prices as of 2025 for the well-known OpenAI, Anthropic and Google models (no batch or cache discounts);
 * they drift, so `routing.prices` in the config file overrides any entry, by ModelRef (`openai/gpt-4o`) or by
 * bare model id (`gpt-4o`). Local providers (Ollama) cost nothing. Unknown models have no price (undefined):
 * routing treats that as "not known to be too expensive".
 */

export interface ModelPrice {
  /** USD per 1M input (prompt) tokens. */
  input: number;
  /** USD per 1M output (completion) tokens. */
  output: number;
}

const p = (input: number, output: number): ModelPrice => ({ input, output });

/** List prices as of 2025, approximate; override with `routing.prices`. Keys are model ids or id prefixes. */
export const BUILT_IN_PRICES: Readonly<Record<string, ModelPrice>> = {
  // OpenAI
  'gpt-5': p(1.25, 10),
  'gpt-5-mini': p(0.25, 2),
  'gpt-5-nano': p(0.05, 0.4),
  'gpt-4.1': p(2, 8),
  'gpt-4.1-mini': p(0.4, 1.6),
  'gpt-4.1-nano': p(0.1, 0.4),
  'gpt-4o': p(2.5, 10),
  'gpt-4o-mini': p(0.15, 0.6),
  'chatgpt-4o-latest': p(5, 15),
  'gpt-4-turbo': p(10, 30),
  'gpt-4': p(30, 60),
  'gpt-3.5-turbo': p(0.5, 1.5),
  o1: p(15, 60),
  'o1-mini': p(1.1, 4.4),
  'o1-pro': p(150, 600),
  o3: p(2, 8),
  'o3-mini': p(1.1, 4.4),
  'o3-pro': p(20, 80),
  'o4-mini': p(1.1, 4.4),
  'text-embedding-3-small': p(0.02, 0),
  'text-embedding-3-large': p(0.13, 0),
  'text-embedding-ada-002': p(0.1, 0),
  // Anthropic
  'claude-opus-4': p(15, 75),
  'claude-sonnet-4': p(3, 15),
  'claude-sonnet-4-5': p(3, 15),
  'claude-haiku-4-5': p(1, 5),
  'claude-3-7-sonnet': p(3, 15),
  'claude-3-5-sonnet': p(3, 15),
  'claude-3-5-haiku': p(0.8, 4),
  'claude-3-opus': p(15, 75),
  'claude-3-sonnet': p(3, 15),
  'claude-3-haiku': p(0.25, 1.25),
  // Google (prompts up to 200k tokens)
  'gemini-2.5-pro': p(1.25, 10),
  'gemini-2.5-flash': p(0.3, 2.5),
  'gemini-2.5-flash-lite': p(0.1, 0.4),
  'gemini-2.0-flash': p(0.1, 0.4),
  'gemini-2.0-flash-lite': p(0.075, 0.3),
  'gemini-1.5-pro': p(1.25, 5),
  'gemini-1.5-flash': p(0.075, 0.3),
  'gemini-1.5-flash-8b': p(0.0375, 0.15),
  'text-embedding-004': p(0, 0),
};

const FREE: ModelPrice = { input: 0, output: 0 };

export interface PriceTableOptions {
  /** Provider instance names whose models cost nothing (local servers). Default: `ollama`. */
  localProviders?: Iterable<string>;
}

export class PriceTable {
  private readonly overrides: Record<string, ModelPrice>;
  private readonly local: ReadonlySet<string>;
  /** Prefix keys, longest first, for dated and suffixed ids (`gpt-4o-2024-08-06` → `gpt-4o`). */
  private readonly prefixes: string[];

  constructor(overrides: Record<string, ModelPrice> = {}, options: PriceTableOptions = {}) {
    this.overrides = { ...overrides };
    this.local = new Set(options.localProviders ?? ['ollama']);
    this.prefixes = [...new Set([...Object.keys(this.overrides), ...Object.keys(BUILT_IN_PRICES)])]
      .filter((k) => !k.includes('/'))
      .sort((a, b) => b.length - a.length);
  }

  /**
   * Price of `provider/modelId` (or a bare id): an override for the ref, then for the bare id, then local
   * providers (free), then the built-in table, then the longest known id that prefixes this one.
   */
  price(ref: string): ModelPrice | undefined {
    const slash = ref.indexOf('/');
    const provider = slash > 0 ? ref.slice(0, slash) : undefined;
    const modelId = slash > 0 ? ref.slice(slash + 1) : ref;
    const hit = this.overrides[ref] ?? this.overrides[modelId];
    if (hit) return hit;
    if (provider !== undefined && this.local.has(provider)) return FREE;
    const builtIn = BUILT_IN_PRICES[modelId];
    if (builtIn) return builtIn;
    for (const k of this.prefixes) {
      if (modelId.startsWith(`${k}-`) || modelId.startsWith(`${k}:`) || modelId.startsWith(`${k}@`)) {
        return this.overrides[k] ?? BUILT_IN_PRICES[k];
      }
    }
    return undefined;
  }

  /** Blended USD per 1k tokens, (input + output) / 2 / 1000 — the unit of `cost_limit`. */
  per1k(ref: string): number | undefined {
    const pr = this.price(ref);
    return pr === undefined ? undefined : (pr.input + pr.output) / 2 / 1000;
  }

  /** USD for one call's usage; undefined when the price is unknown. */
  cost(ref: string, usage: { promptTokens: number; completionTokens: number }): number | undefined {
    const pr = this.price(ref);
    if (pr === undefined) return undefined;
    return (usage.promptTokens * pr.input + usage.completionTokens * pr.output) / 1_000_000;
  }
}
