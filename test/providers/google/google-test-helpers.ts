import type { ChatRequest } from '../../../gateway/core/chat-request';
import { chatRequestSchema } from '../../../gateway/core/chat-request';
import type { ProviderSettings } from '../../../gateway/providers/provider';

export function googleSettings(baseUrl: string, apiKeys: string[] = ['test-key']): ProviderSettings {
  return {
    name: 'google',
    kind: 'google',
    baseUrl,
    apiKeys,
    models: ['gemini-2.5-flash'],
    embeddingModels: ['gemini-embedding-001'],
    headers: {},
    deployments: {},
    timeouts: { connectMs: 2_000, headersMs: 5_000, bodyMs: 5_000 },
  };
}

/** A validated canonical request (so tests exercise exactly what the API layer hands adapters). */
export function chatRequest(body: Record<string, unknown>): ChatRequest {
  return chatRequestSchema.parse({ model: 'google/gemini-2.5-flash', ...body });
}

export { collect, collectUntilError } from '../../helpers/stream-collect';
