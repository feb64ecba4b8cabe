import type { ChatModel, EmbeddingModel, ModelInfo, ProviderKind } from '../core/chat-model';
import type { RateLimitSnapshot } from '../rate-limits/rate-limit-snapshot';
import type { UpstreamTimeouts } from '../http/upstream-client';

/**
 * What the config layer hands a provider factory: one configured provider instance (one endpoint, its
 * keys, its models). Secrets live only in `apiKeys`; never log or echo them.
 */
export interface ProviderSettings {
  /** Instance name, used as the model prefix (`openai/…`, `my-vllm/…`). */
  name: string;
  kind: ProviderKind;
  /** Base URL without trailing slash, e.g. `https://api.openai.com/v1`, `https://api.anthropic.com`. */
  baseUrl: string;
  apiKeys: string[];
  /** Models this instance serves, as clients name them (without the prefix). */
  models: string[];
  /** Embedding models this instance serves. */
  embeddingModels: string[];
  /** Extra headers sent upstream on every call. */
  headers: Record<string, string>;
  /** Azure: `api-version` query parameter; absent → the v1 API (`/openai/v1/…`). */
  apiVersion?: string;
  /** Azure: client-facing model name → deployment name. */
  deployments: Record<string, string>;
  timeouts: UpstreamTimeouts;
  /** Ceilings per key (requests / tokens per minute), enforced by the router's rate limiter. */
  rateLimits?: { rpm?: number; tpm?: number };
  /** load_balanced weight per key, in `apiKeys` order (default 1). */
  keyWeights?: number[];
  /** `custom` only: the endpoint speaks OpenRouter's dialect and receives its extra fields (`top_k`, `usage`, `plugins` …). */
  openrouterCompatible?: boolean;
  /** `custom` only: further top-level request fields the endpoint takes, forwarded as sent. */
  extraFields?: string[];
}

/** Hands out the instance's keys round-robin. (Health-aware key pools build on this.) */
export class KeyRing {
  private next = 0;
  constructor(private readonly keys: readonly string[]) {}
  get size(): number {
    return this.keys.length;
  }
  /** The key the router chose for this call (`CallOptions.apiKey`), else the next one round-robin. */
  take(chosen?: string): string | undefined {
    if (chosen !== undefined) return chosen;
    if (this.keys.length === 0) return undefined;
    const key = this.keys[this.next % this.keys.length];
    this.next = (this.next + 1) % this.keys.length;
    return key;
  }
}

/** A configured provider instance: builds models and lists what it serves. */
export interface Provider {
  readonly settings: ProviderSettings;
  chatModel(modelId: string): ChatModel;
  embeddingModel(modelId: string): EmbeddingModel | undefined;
  /** Models offered; may ask the upstream (Ollama `/api/tags`). Never throws: an unreachable upstream lists its configured models. */
  listModels(signal?: AbortSignal): Promise<ModelInfo[]>;
  /** Rate-limit state from a response's headers (lower-case names); absent/undefined when the upstream sends none. */
  readRateLimit?(headers: Record<string, string>): RateLimitSnapshot | undefined;
}

export function staticModelInfos(settings: ProviderSettings, ownedBy: string, created = 1_700_000_000): ModelInfo[] {
  const info = (modelId: string): ModelInfo => ({ id: `${settings.name}/${modelId}`, provider: settings.name, kind: settings.kind, modelId, ownedBy, created });
  return [...settings.models.map(info), ...settings.embeddingModels.map((m) => ({ ...info(m), capabilities: { embeddings: true } }))];
}
