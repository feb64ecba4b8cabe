import { makeUsage, type Usage } from '../../core/chat-result';
import type { AnthropicUsage } from './anthropic-schemas';

/**
 * Anthropic usage → canonical usage. Anthropic's `input_tokens` excludes cached input, so
 * prompt = input + cache_read + cache_creation; cachedPromptTokens = cache_read;
 * cacheWriteTokens = cache_creation; reasoningTokens = output_tokens_details.thinking_tokens
 * (already included in output_tokens). Cache/reasoning fields appear only when Anthropic reported them.
 */
export function mapAnthropicUsage(u: AnthropicUsage): Usage {
  const cacheRead = u.cache_read_input_tokens ?? undefined;
  const cacheWrite = u.cache_creation_input_tokens ?? undefined;
  const reasoning = u.output_tokens_details?.thinking_tokens ?? undefined;
  const prompt = (u.input_tokens ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0);
  return makeUsage(prompt, u.output_tokens ?? 0, {
    ...(cacheRead !== undefined ? { cachedPromptTokens: cacheRead } : {}),
    ...(cacheWrite !== undefined ? { cacheWriteTokens: cacheWrite } : {}),
    ...(reasoning !== undefined ? { reasoningTokens: reasoning } : {}),
  });
}

/**
 * Streams report usage twice: in `message_start` (input side, output ≈ 1) and in `message_delta`
 * (cumulative; newer API versions repeat the input fields there). Later non-null fields win.
 */
export function mergeAnthropicUsage(prev: AnthropicUsage | undefined, next: AnthropicUsage): AnthropicUsage {
  const out: AnthropicUsage = { ...prev };
  for (const [k, v] of Object.entries(next)) {
    if (v !== null && v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}
