// gateway/providers — one folder per provider kind; each converts the canonical chat types (gateway/core) to
// and from its own wire format and talks to its upstream through gateway/http. A provider's wire format
// never leaves its folder. May import gateway/core and gateway/http only.
import type { ProviderKind } from '../core/chat-model';
import { createAnthropicProvider } from './anthropic';
import { createAzureProvider } from './azure';
import { createDemoProvider } from './demo';
import { createGoogleProvider } from './google';
import { createOllamaProvider } from './ollama';
import { createOpenAIProvider } from './openai';
import type { Provider, ProviderSettings } from './provider';

export type { Provider, ProviderSettings } from './provider';

const FACTORIES: Record<ProviderKind, (s: ProviderSettings) => Provider> = {
  openai: createOpenAIProvider,
  custom: createOpenAIProvider,
  azure: createAzureProvider,
  anthropic: createAnthropicProvider,
  google: createGoogleProvider,
  ollama: createOllamaProvider,
  demo: createDemoProvider,
};

export function createProvider(settings: ProviderSettings): Provider {
  return FACTORIES[settings.kind](settings);
}
