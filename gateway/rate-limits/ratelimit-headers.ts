/** OpenAI-style `x-ratelimit-*` response headers. */

export type RateLimitHeaders = Record<string, string>;
export type LimitKind = 'requests' | 'tokens';

/** One limit's state as the headers describe it. */
export interface LimitState {
  limit: number;
  remaining: number;
  /** Until the window resets. */
  resetMs: number;
}

/** `x-ratelimit-limit-<kind>`, `x-ratelimit-remaining-<kind>`, `x-ratelimit-reset-<kind>`. */
export function writeLimitHeaders(headers: RateLimitHeaders, kind: LimitKind, s: LimitState): void {
  headers[`x-ratelimit-limit-${kind}`] = String(s.limit);
  headers[`x-ratelimit-remaining-${kind}`] = String(Math.max(0, Math.floor(s.remaining)));
  headers[`x-ratelimit-reset-${kind}`] = formatResetDuration(s.resetMs);
}

/**
 * Milliseconds in OpenAI's (Go's) duration format, millisecond precision: `0s`, `17ms`, `1s`, `2.5s`,
 * `6m0s`, `1h0m0s`.
 */
export function formatResetDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const secMs = total % 60_000;
  const sec = `${Math.floor(secMs / 1000)}${secMs % 1000 ? `.${String(secMs % 1000).padStart(3, '0').replace(/0+$/, '')}` : ''}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}
