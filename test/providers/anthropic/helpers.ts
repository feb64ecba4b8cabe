import { chatRequestSchema, type ChatRequest } from '../../../gateway/core/chat-request';
import type { StreamPart } from '../../../gateway/core/chat-result';
import { DEFAULT_TIMEOUTS } from '../../../gateway/http/upstream-client';
import type { ProviderSettings } from '../../../gateway/providers/provider';

export function anthropicSettings(baseUrl: string, over: Partial<ProviderSettings> = {}): ProviderSettings {
  return {
    name: 'anthropic',
    kind: 'anthropic',
    baseUrl,
    apiKeys: ['sk-ant-test-1'],
    models: ['claude-sonnet-4-5', 'claude-haiku-4-5'],
    embeddingModels: [],
    headers: {},
    deployments: {},
    timeouts: { ...DEFAULT_TIMEOUTS, headersMs: 5_000, bodyMs: 5_000 },
    ...over,
  };
}

export function chatRequest(body: Record<string, unknown>): ChatRequest {
  return chatRequestSchema.parse({ model: 'anthropic/claude-sonnet-4-5', ...body });
}

export function textOf(parts: StreamPart[]): string {
  return parts.map((p) => (p.type === 'text-delta' ? p.delta : '')).join('');
}

export function argumentsOf(parts: StreamPart[], index: number): string {
  return parts.map((p) => (p.type === 'tool-call-delta' && p.index === index ? p.argumentsDelta : '')).join('');
}

export { collect, collectUntilError } from '../../helpers/stream-collect';
