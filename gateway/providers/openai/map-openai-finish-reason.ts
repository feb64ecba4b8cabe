import type { FinishReason } from '../../core/chat-result';

/** OpenAI-compatible upstreams already speak our vocabulary; `function_call` (legacy) means tool_calls. */
export function mapOpenAIFinishReason(raw: string | null | undefined, sawToolCalls = false): FinishReason {
  switch (raw) {
    case 'stop':
      return { unified: sawToolCalls ? 'tool_calls' : 'stop', raw };
    case 'length':
      return { unified: 'length', raw };
    case 'tool_calls':
    case 'function_call':
      return { unified: 'tool_calls', raw };
    case 'content_filter':
      return { unified: 'content_filter', raw };
    default:
      return { unified: sawToolCalls ? 'tool_calls' : 'stop', raw: raw ?? undefined };
  }
}
