import type { ModelInfo } from '../../core/chat-model';
import { tryParseJson, readText, upstreamRequest } from '../../http';
import { KeyRing, staticModelInfos, type Provider, type ProviderSettings } from '../provider';
import { OllamaChatModel } from './ollama-chat-model';
import { OllamaEmbeddingModel } from './ollama-embedding-model';
import { ollamaBaseUrl, ollamaHeaders, type OllamaConfig } from './ollama-request';
import { ollamaTagsResponseSchema, ollamaTimestamp } from './ollama-schemas';

export { OllamaChatModel } from './ollama-chat-model';
export { OllamaEmbeddingModel } from './ollama-embedding-model';
export { convertToOllamaChatRequest, convertToOllamaMessages } from './convert-to-ollama-messages';
export { mapOllamaFinishReason } from './map-ollama-finish-reason';

/** `created` for models whose date is unknown (as staticModelInfos). */
const DEFAULT_CREATED = 1_700_000_000;

/** How long model discovery may take before the configured list is used instead. */
export const OLLAMA_DISCOVERY_TIMEOUT_MS = 1_500;

/**
 * An Ollama server over its native API. `settings.baseUrl` is the server root (`http://127.0.0.1:11434`).
 * Models need not be configured: `listModels()` asks `/api/tags`. Any model id can be used for chat or
 * embeddings; Ollama answers 404 for models it has not pulled.
 */
export function createOllamaProvider(settings: ProviderSettings): Provider {
  const config: OllamaConfig = { settings, keys: new KeyRing(settings.apiKeys), baseUrl: ollamaBaseUrl(settings.baseUrl) };
  return {
    settings,
    chatModel: (modelId) => new OllamaChatModel(modelId, config),
    embeddingModel: (modelId) => new OllamaEmbeddingModel(modelId, config),
    listModels: (signal) => listOllamaModels(config, signal),
  };
}

/** `llama3.2` and `llama3.2:latest` name the same Ollama model. */
export function sameOllamaModel(a: string, b: string): boolean {
  return withoutLatest(a) === withoutLatest(b);
}

function withoutLatest(name: string): string {
  return name.endsWith(':latest') ? name.slice(0, -':latest'.length) : name;
}

/** Configured models merged with what `/api/tags` reports. Never throws; unreachable → configured only. */
async function listOllamaModels(config: OllamaConfig, signal?: AbortSignal): Promise<ModelInfo[]> {
  const { settings } = config;
  const configured = staticModelInfos(settings, 'ollama');
  const discovered = await fetchTags(config, signal);
  if (discovered === undefined) return configured;
  const created = (modelId: string, fallback: number): number =>
    discovered.find((d) => sameOllamaModel(d.name, modelId))?.created ?? fallback;
  const merged = configured.map((m) => ({ ...m, created: created(m.modelId, m.created) }));
  for (const d of discovered) {
    if (merged.some((m) => sameOllamaModel(m.modelId, d.name))) continue;
    merged.push({
      id: `${settings.name}/${d.name}`,
      provider: settings.name,
      kind: settings.kind,
      modelId: d.name,
      ownedBy: 'ollama',
      created: d.created ?? DEFAULT_CREATED,
    });
  }
  return merged;
}

async function fetchTags(config: OllamaConfig, signal?: AbortSignal): Promise<Array<{ name: string; created?: number }> | undefined> {
  const timeout = AbortSignal.timeout(OLLAMA_DISCOVERY_TIMEOUT_MS);
  const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
  const provider = config.settings.name;
  try {
    const res = await upstreamRequest({
      provider,
      url: `${config.baseUrl}/api/tags`,
      method: 'GET',
      headers: ollamaHeaders(config, {}),
      signal: combined,
      timeouts: { headersMs: OLLAMA_DISCOVERY_TIMEOUT_MS, bodyMs: OLLAMA_DISCOVERY_TIMEOUT_MS },
    });
    const text = await readText(res, provider, combined);
    if (res.status < 200 || res.status >= 300) return undefined;
    const parsed = ollamaTagsResponseSchema.safeParse(tryParseJson(text));
    if (!parsed.success) return undefined;
    return (parsed.data.models ?? []).map((m) => {
      const created = ollamaTimestamp(m.modified_at);
      return created === undefined ? { name: m.name } : { name: m.name, created };
    });
  } catch {
    return undefined;
  }
}
