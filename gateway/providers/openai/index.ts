import { KeyRing, type Provider, type ProviderSettings, staticModelInfos } from '../provider';
import { OpenAIChatModel, type OpenAICompatibleEndpoint } from './openai-chat-model';
import { OpenAIEmbeddingModel } from './openai-embedding-model';
import { readOpenAIRateLimit } from './openai-rate-limit';
import { openAIRequestFields } from './openai-request-fields';

export { OpenAIChatModel, type OpenAICompatibleEndpoint } from './openai-chat-model';
export { OpenAIEmbeddingModel } from './openai-embedding-model';
export { parseOpenAIDuration, readOpenAIRateLimit } from './openai-rate-limit';
export { AZURE_EXTRA_FIELDS, OPENAI_CHAT_FIELDS, OPENROUTER_EXTRA_FIELDS, openAIRequestFields } from './openai-request-fields';

/** OpenAI itself and any OpenAI-compatible endpoint (`kind: custom`): `{baseUrl}/chat/completions`, Bearer auth. */
export function createOpenAIProvider(settings: ProviderSettings): Provider {
  const keys = new KeyRing(settings.apiKeys);
  const endpoint: OpenAICompatibleEndpoint & { embeddingsUrl(m: string): string } = {
    provider: settings.name,
    kind: settings.kind,
    chatUrl: () => `${settings.baseUrl}/chat/completions`,
    embeddingsUrl: () => `${settings.baseUrl}/embeddings`,
    headers: (apiKey) => {
      const key = keys.take(apiKey);
      return key === undefined ? { ...settings.headers } : { ...settings.headers, authorization: `Bearer ${key}` };
    },
    requestFields: openAIRequestFields(settings.kind, settings.openrouterCompatible, settings.extraFields),
    timeouts: settings.timeouts,
  };
  const ownedBy = settings.kind === 'openai' ? 'openai' : settings.name;
  return {
    settings,
    chatModel: (modelId) => new OpenAIChatModel(modelId, endpoint),
    embeddingModel: (modelId) => new OpenAIEmbeddingModel(modelId, endpoint),
    listModels: () => Promise.resolve(staticModelInfos(settings, ownedBy)),
    readRateLimit: readOpenAIRateLimit,
  };
}
