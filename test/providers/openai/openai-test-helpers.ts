import type { ChatRequest } from '../../../gateway/core/chat-request';
import { chatRequestSchema } from '../../../gateway/core/chat-request';
import type { ProviderSettings } from '../../../gateway/providers/provider';

export function openaiSettings(baseUrl: string, overrides: Partial<ProviderSettings> = {}): ProviderSettings {
  return {
    name: 'openai',
    kind: 'openai',
    baseUrl: `${baseUrl}/v1`,
    apiKeys: ['sk-test'],
    models: ['gpt-4o'],
    embeddingModels: [],
    headers: {},
    deployments: {},
    timeouts: { connectMs: 2_000, headersMs: 5_000, bodyMs: 5_000 },
    ...overrides,
  };
}

/** A validated canonical request (exactly what the API layer hands adapters, OpenRouter extras included). */
export function chatRequest(body: Record<string, unknown> = {}): ChatRequest {
  return chatRequestSchema.parse({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], ...body });
}

export { collect, collectUntilError } from '../../helpers/stream-collect';
