import type { RateLimitSnapshot } from '../../rate-limits/rate-limit-snapshot';

/**
 * Anthropic's rate-limit headers: `anthropic-ratelimit-requests-remaining`, `-tokens-remaining` and
 * `-requests-reset` / `-tokens-reset` as RFC 3339 times. When the combined token headers are absent, the
 * input/output token headers stand in (the tighter of the two).
 */
export function readAnthropicRateLimit(headers: Record<string, string>, now: number = Date.now()): RateLimitSnapshot | undefined {
  const h = (name: string): string | undefined => headers[`anthropic-ratelimit-${name}`];
  const out: RateLimitSnapshot = {};
  const remainingRequests = count(h('requests-remaining'));
  const resetRequestsMs = untilTime(h('requests-reset'), now);
  let remainingTokens = count(h('tokens-remaining'));
  let resetTokensMs = untilTime(h('tokens-reset'), now);
  if (remainingTokens === undefined) {
    const input = count(h('input-tokens-remaining'));
    const output = count(h('output-tokens-remaining'));
    const tighter = input === undefined ? (output === undefined ? undefined : 'output') : output === undefined || input <= output ? 'input' : 'output';
    if (tighter !== undefined) {
      remainingTokens = tighter === 'input' ? input : output;
      resetTokensMs ??= untilTime(h(`${tighter}-tokens-reset`), now);
    }
  }
  if (remainingRequests !== undefined) out.remainingRequests = remainingRequests;
  if (remainingTokens !== undefined) out.remainingTokens = remainingTokens;
  if (resetRequestsMs !== undefined) out.resetRequestsMs = resetRequestsMs;
  if (resetTokensMs !== undefined) out.resetTokensMs = resetTokensMs;
  return Object.keys(out).length === 0 ? undefined : out;
}

function count(v: string | undefined): number | undefined {
  if (v === undefined || !/^\s*\d+\s*$/.test(v)) return undefined;
  return Number(v);
}

/** RFC 3339 time → ms from `now` (0 when already past); unparseable → undefined. */
function untilTime(v: string | undefined, now: number): number | undefined {
  if (v === undefined) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
