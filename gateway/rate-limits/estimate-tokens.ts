import type { ChatRequest } from '../core/chat-request';

/**
 * A cheap pre-call token estimate for rate limiting (corrected from real usage after the call, see
 * `RateLimiter.settle`): about 4 characters per token over all message text, tool-call arguments, tool and
 * response-format schemas, plus a few tokens per message, plus the completion tokens the caller may receive
 * (`max_completion_tokens` / `max_tokens`, else 256, times `n`). Images count as OpenAI bills them roughly
 * (85 tokens at `detail: low`, else 765); audio and file parts a flat 1,000 (their base64 says little).
 * Tolerant of malformed input — it runs before validation — and never throws.
 */
export const CHARS_PER_TOKEN = 4;
export const DEFAULT_COMPLETION_TOKENS = 256;
const PER_MESSAGE_TOKENS = 4;
const IMAGE_TOKENS_LOW = 85;
const IMAGE_TOKENS = 765;
const BINARY_PART_TOKENS = 1000;

export function estimateTokens(request: ChatRequest): number {
  const r = request as unknown as Record<string, unknown>;
  let chars = 0;
  let tokens = 0;
  const messages = Array.isArray(r.messages) ? (r.messages as unknown[]) : [];
  for (const m of messages) {
    tokens += PER_MESSAGE_TOKENS;
    if (!isRecord(m)) continue;
    chars += strLen(m.name) + strLen(m.refusal);
    if (Array.isArray(m.tool_calls)) chars += jsonLen(m.tool_calls);
    if (typeof m.content === 'string') chars += m.content.length;
    else if (Array.isArray(m.content)) {
      for (const part of m.content as unknown[]) {
        if (!isRecord(part)) continue;
        if (part.type === 'text') chars += strLen(part.text);
        else if (part.type === 'refusal') chars += strLen(part.refusal);
        else if (part.type === 'image_url') tokens += isRecord(part.image_url) && part.image_url.detail === 'low' ? IMAGE_TOKENS_LOW : IMAGE_TOKENS;
        else tokens += BINARY_PART_TOKENS;
      }
    }
  }
  if (Array.isArray(r.tools) && r.tools.length > 0) chars += jsonLen(r.tools);
  if (isRecord(r.response_format) && r.response_format.type === 'json_schema') chars += jsonLen(r.response_format.json_schema);
  const completion = positiveInt(r.max_completion_tokens) ?? positiveInt(r.max_tokens) ?? DEFAULT_COMPLETION_TOKENS;
  return tokens + Math.ceil(chars / CHARS_PER_TOKEN) + completion * (positiveInt(r.n) ?? 1);
}

/**
 * Shape check only (an object with a model name and a non-empty messages array), enough to estimate tokens
 * before the route validates the body fully; anything else is left to the route's 400.
 */
export function isChatRequestLike(body: unknown): body is ChatRequest {
  return isRecord(body) && typeof body.model === 'string' && body.model !== '' && Array.isArray(body.messages) && body.messages.length > 0;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strLen(v: unknown): number {
  return typeof v === 'string' ? v.length : 0;
}

function jsonLen(v: unknown): number {
  try {
    return JSON.stringify(v)?.length ?? 0;
  } catch {
    return 0;
  }
}

function positiveInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}
