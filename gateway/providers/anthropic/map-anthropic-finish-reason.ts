import type { FinishReason, UnifiedFinishReason } from '../../core/chat-result';

/**
 * Anthropic `stop_reason` → OpenAI `finish_reason`.
 * end_turn / stop_sequence / pause_turn → stop; max_tokens / model_context_window_exceeded → length;
 * tool_use → tool_calls; refusal → content_filter. Unknown future values → stop (raw kept).
 *
 * `hasToolCalls`: whether the message produced client-visible tool calls. A `tool_use` stop caused only by
 * our own json_schema response tool is a normal answer for the client (→ stop), and a tool call cut short
 * by max_tokens stays `length`.
 */
export function mapAnthropicFinishReason(raw: string | null | undefined, hasToolCalls = true): FinishReason {
  return { unified: unifiedFor(raw, hasToolCalls), raw: raw ?? undefined };
}

function unifiedFor(raw: string | null | undefined, hasToolCalls: boolean): UnifiedFinishReason {
  switch (raw) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return hasToolCalls ? 'tool_calls' : 'stop';
    case 'refusal':
      return 'content_filter';
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
    default:
      return 'stop';
  }
}
