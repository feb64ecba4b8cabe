/**
 * Rate-limit state an upstream reported in its response headers (OpenAI `x-ratelimit-*`, Anthropic
 * `anthropic-ratelimit-*`), normalised. Providers parse their own headers into this; the router's key pool
 * uses it to skip a key that has nothing left until its reset.
 */
export interface RateLimitSnapshot {
  /** Requests left in the current window. */
  remainingRequests?: number;
  /** Tokens left in the current window. */
  remainingTokens?: number;
  /** Time until the request budget resets, in ms from when the response was read. */
  resetRequestsMs?: number;
  /** Time until the token budget resets, in ms from when the response was read. */
  resetTokensMs?: number;
}
