import type { FinishReason } from '../../core/chat-result';

/**
 * Ollama's `done_reason` → the OpenAI finish reason. Ollama never says "tool calls": a turn that produced a
 * tool call ends with `stop`, so the caller says whether one was produced. `length` is the `num_predict`
 * limit (or the context filling up). Anything else (`load`, `unload`, future values) maps to stop and keeps
 * the raw value.
 */
export function mapOllamaFinishReason(doneReason: string | null | undefined, producedToolCall: boolean): FinishReason {
  const raw = doneReason ?? undefined;
  if (raw === 'length') return { unified: 'length', raw };
  return { unified: producedToolCall ? 'tool_calls' : 'stop', raw };
}
