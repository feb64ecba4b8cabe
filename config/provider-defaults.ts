import type { ProviderKind } from '../gateway/core/chat-model';

/** Default base URLs and model lists per provider kind (overridable by env `<P>_MODELS` or the config file). */
export const PROVIDER_DEFAULTS: Record<Exclude<ProviderKind, 'demo'>, { baseUrl: string; models: string[]; embeddingModels: string[] }> = {
  openai: {
    baseUrl: 'https://api.openai.com/v1',
    models: ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'o3-mini', 'o4-mini'],
    embeddingModels: ['text-embedding-3-small', 'text-embedding-3-large'],
  },
  anthropic: {
    baseUrl: 'https://api.anthropic.com',
    models: ['claude-3-5-sonnet-latest', 'claude-3-5-haiku-latest', 'claude-3-7-sonnet-latest', 'claude-sonnet-4-0', 'claude-opus-4-0'],
    embeddingModels: [],
  },
  google: {
    baseUrl: 'https://generativelanguage.googleapis.com',
    models: ['gemini-2.0-flash', 'gemini-2.0-flash-lite', 'gemini-2.5-flash', 'gemini-2.5-pro'],
    embeddingModels: ['text-embedding-004'],
  },
  ollama: { baseUrl: 'http://127.0.0.1:11434', models: [], embeddingModels: [] },
  azure: { baseUrl: '', models: [], embeddingModels: [] },
  custom: { baseUrl: '', models: [], embeddingModels: [] },
};

