import type { AssistantMessage, ChatMessage } from '../../core/chat-request';
import { parseToolArguments, textOf } from '../../core/chat-request';
import { GatewayErrors } from '../../core/errors';
import type {
  AnthropicAssistantBlock,
  AnthropicMessageParam,
  AnthropicToolUseBlock,
  AnthropicUserBlock,
} from './anthropic-api-types';
import { convertUserContent } from './convert-anthropic-content';

/**
 * Text of the user turn we insert when a conversation would otherwise start with an assistant turn
 * (Anthropic requires the first message to be `user`; chat UIs often open with an assistant greeting).
 */
export const FIRST_USER_PLACEHOLDER = '.';

export interface AnthropicPrompt {
  system: string | undefined;
  messages: AnthropicMessageParam[];
}

/**
 * OpenAI messages → Anthropic `system` + alternating `messages`.
 * - every system/developer message (wherever it appears) joins the top-level `system`, "\n\n"-separated;
 * - tool messages become `tool_result` blocks in a user turn; consecutive same-role turns are merged
 *   (so parallel tool results share one user turn), and tool results lead their user turn;
 * - empty text never becomes a block; a message left without blocks contributes nothing;
 * - the final assistant turn (a prefill) loses trailing whitespace, which Anthropic rejects;
 * - a leading assistant turn gets a placeholder user turn before it; a request with only system text
 *   sends that text as the user turn instead.
 */
export function convertToAnthropicMessages(messages: readonly ChatMessage[]): AnthropicPrompt {
  const system: string[] = [];
  const turns: AnthropicMessageParam[] = [];
  const push = (role: 'user' | 'assistant', blocks: AnthropicUserBlock[] | AnthropicAssistantBlock[]): void => {
    if (blocks.length === 0) return;
    const last = turns[turns.length - 1];
    if (last?.role === role) (last.content as Array<(typeof blocks)[number]>).push(...blocks);
    else turns.push({ role, content: [...blocks] } as AnthropicMessageParam);
  };

  messages.forEach((m, i) => {
    const param = `messages[${i}]`;
    switch (m.role) {
      case 'system':
      case 'developer': {
        const text = textOf(m.content);
        if (text.trim() !== '') system.push(text);
        break;
      }
      case 'user':
        push('user', convertUserContent(m.content, `${param}.content`));
        break;
      case 'assistant':
        push('assistant', convertAssistant(m, param));
        break;
      case 'tool': {
        const text = textOf(m.content);
        push('user', [{ type: 'tool_result', tool_use_id: m.tool_call_id, ...(text !== '' ? { content: text } : {}) }]);
        break;
      }
    }
  });

  for (const turn of turns) {
    if (turn.role === 'user') turn.content = toolResultsFirst(turn.content);
  }
  trimFinalAssistant(turns);

  let systemText: string | undefined = system.length > 0 ? system.join('\n\n') : undefined;
  if (turns.length === 0) {
    if (systemText === undefined) throw GatewayErrors.invalidRequest('messages contain no non-empty content', 'messages');
    turns.push({ role: 'user', content: [{ type: 'text', text: systemText }] });
    systemText = undefined;
  } else if (turns[0]?.role === 'assistant') {
    turns.unshift({ role: 'user', content: [{ type: 'text', text: FIRST_USER_PLACEHOLDER }] });
  }
  return { system: systemText, messages: turns };
}

function convertAssistant(m: AssistantMessage, param: string): AnthropicAssistantBlock[] {
  const blocks: AnthropicAssistantBlock[] = [];
  const content = m.content ?? [];
  const texts = typeof content === 'string' ? [content] : content.map((p) => (p.type === 'text' ? p.text : p.refusal));
  if (typeof content !== 'string' && content.length === 0 && m.refusal) texts.push(m.refusal);
  for (const text of texts) if (text !== '') blocks.push({ type: 'text', text });
  (m.tool_calls ?? []).forEach((call, j) => {
    blocks.push(toolUse(call.id, call.function.name, call.function.arguments, `${param}.tool_calls[${j}].function.arguments`));
  });
  return blocks;
}

function toolUse(id: string, name: string, args: string, param: string): AnthropicToolUseBlock {
  return { type: 'tool_use', id, name, input: parseToolArguments(args, param, 'Anthropic') };
}

/** Anthropic wants a user turn's tool_result blocks before its other content. */
function toolResultsFirst(blocks: AnthropicUserBlock[]): AnthropicUserBlock[] {
  return [...blocks.filter((b) => b.type === 'tool_result'), ...blocks.filter((b) => b.type !== 'tool_result')];
}

function trimFinalAssistant(turns: AnthropicMessageParam[]): void {
  const last = turns[turns.length - 1];
  if (last?.role !== 'assistant') return;
  const block = last.content[last.content.length - 1];
  if (block?.type !== 'text') return;
  block.text = block.text.trimEnd();
  if (block.text === '') last.content.pop();
  if (last.content.length === 0) turns.pop();
}
