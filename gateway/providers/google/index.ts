// gateway/providers/google — Gemini over the Generative Language API v1beta: chat (generateContent /
// streamGenerateContent?alt=sse) and embeddings (batchEmbedContents). Imports gateway/core and gateway/http.
import { KeyRing, staticModelInfos, type Provider, type ProviderSettings } from '../provider';
import { googleModelConfig } from './google-config';
import { GoogleChatModel } from './google-chat-model';
import { GoogleEmbeddingModel } from './google-embedding-model';

export function createGoogleProvider(settings: ProviderSettings): Provider {
  const config = googleModelConfig(settings, new KeyRing(settings.apiKeys));
  return {
    settings,
    chatModel: (modelId) => new GoogleChatModel(modelId, config),
    embeddingModel: (modelId) => new GoogleEmbeddingModel(modelId, config),
    listModels: () => Promise.resolve(staticModelInfos(settings, 'google')),
  };
}

export { GoogleChatModel } from './google-chat-model';
export { GoogleEmbeddingModel } from './google-embedding-model';
export { convertToGoogleRequest, convertToGoogleMessages } from './convert-to-google-messages';
export { mapGoogleFinishReason } from './map-google-finish-reason';
