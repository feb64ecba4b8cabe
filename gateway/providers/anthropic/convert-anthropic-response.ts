import type { ChatResult, ResultToolCall } from '../../core/chat-result';
import type { AnthropicContentBlock, AnthropicMessage } from './anthropic-schemas';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason';
import { mapAnthropicUsage } from './map-anthropic-usage';

export function isTextBlock(b: AnthropicContentBlock): b is { type: 'text'; text: string } {
  return b.type === 'text' && typeof (b as { text?: unknown }).text === 'string';
}

export function isToolUseBlock(b: AnthropicContentBlock): b is { type: 'tool_use'; id: string; name: string; input: unknown } {
  const t = b as { id?: unknown; name?: unknown };
  return b.type === 'tool_use' && typeof t.id === 'string' && typeof t.name === 'string';
}

/**
 * A non-streamed Anthropic message → ChatResult. Text blocks are joined; tool_use blocks become tool calls
 * (input re-serialised as OpenAI's JSON-text arguments); the json_schema response tool's input becomes the
 * content instead. Thinking and server-tool blocks have no OpenAI equivalent and are skipped.
 */
export function convertAnthropicMessage(msg: AnthropicMessage, responseToolName: string | undefined): ChatResult {
  let text = '';
  let hasText = false;
  const toolCalls: ResultToolCall[] = [];
  for (const block of msg.content) {
    if (isTextBlock(block)) {
      text += block.text;
      hasText = true;
    } else if (isToolUseBlock(block)) {
      const args = JSON.stringify(block.input ?? {});
      if (block.name === responseToolName) {
        text += args;
        hasText = true;
      } else toolCalls.push({ id: block.id, name: block.name, arguments: args });
    }
  }
  return {
    id: msg.id,
    model: msg.model,
    choices: [
      {
        index: 0,
        content: hasText || toolCalls.length === 0 ? text : null,
        toolCalls,
        finishReason: mapAnthropicFinishReason(msg.stop_reason, toolCalls.length > 0),
      },
    ],
    usage: msg.usage ? mapAnthropicUsage(msg.usage) : undefined,
  };
}
