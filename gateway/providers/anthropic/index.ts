// gateway/providers/anthropic — Anthropic Messages API (POST /v1/messages) behind the canonical ChatModel.
// Imports gateway/core, gateway/http and ../provider only.
import { KeyRing, staticModelInfos, type Provider, type ProviderSettings } from '../provider';
import { AnthropicChatModel } from './anthropic-chat-model';
import { readAnthropicRateLimit } from './anthropic-rate-limit';

export interface AnthropicProviderOptions {
  /** max_tokens sent when the request has none (default ANTHROPIC_DEFAULT_MAX_TOKENS = 4096). */
  defaultMaxTokens?: number;
}

export function createAnthropicProvider(settings: ProviderSettings, options: AnthropicProviderOptions = {}): Provider {
  const keys = new KeyRing(settings.apiKeys);
  return {
    settings,
    chatModel: (modelId) => new AnthropicChatModel(modelId, { settings, keys, ...options }),
    // Anthropic offers no embeddings API.
    embeddingModel: () => undefined,
    listModels: () => Promise.resolve(staticModelInfos(settings, 'anthropic')),
    readRateLimit: (headers) => readAnthropicRateLimit(headers),
  };
}

export { AnthropicChatModel, ANTHROPIC_VERSION, messagesUrl } from './anthropic-chat-model';
export { ANTHROPIC_DEFAULT_MAX_TOKENS, ANTHROPIC_MAX_TEMPERATURE, convertToAnthropicRequest } from './convert-to-anthropic-request';
export { mapAnthropicFinishReason } from './map-anthropic-finish-reason';
export { readAnthropicRateLimit } from './anthropic-rate-limit';
