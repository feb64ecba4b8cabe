import type { FinishReason } from '../../core/chat-result';

/** Gemini finish reasons that mean "a safety / policy filter stopped the output". */
const FILTERED = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/**
 * Gemini never reports "tool calls": STOP becomes `tool_calls` when the candidate produced a functionCall
 * part (possibly in an earlier stream chunk than the finishReason). Unknown reasons map to `stop`, raw kept.
 */
export function mapGoogleFinishReason(raw: string | null | undefined, hasToolCalls: boolean): FinishReason {
  const r = raw ?? undefined;
  if (r === 'MAX_TOKENS') return { unified: 'length', raw: r };
  if (r !== undefined && FILTERED.has(r)) return { unified: 'content_filter', raw: r };
  if (hasToolCalls && (r === undefined || r === 'STOP')) return { unified: 'tool_calls', raw: r };
  return { unified: 'stop', raw: r };
}

/** A prompt rejected before generation (`promptFeedback.blockReason`) is always a content filter. */
export function blockedPromptFinishReason(blockReason: string): FinishReason {
  return { unified: 'content_filter', raw: blockReason };
}
