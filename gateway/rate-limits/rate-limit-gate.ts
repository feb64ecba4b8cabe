import type { Usage } from '../core/chat-result';
import { GatewayError } from '../core/errors';
import { estimateTokens, isChatRequestLike } from './estimate-tokens';
import type { Admission, RateLimiter } from './rate-limiter';
import { formatResetDuration } from './ratelimit-headers';

/** Where the answer goes, as far as the gate needs it (node:http's ServerResponse is one; any transport can be). */
export interface LimitedAnswer {
  setHeader(name: string, value: string): unknown;
  /** The status the handled call answered with (a failed call used no tokens). */
  readonly statusCode: number;
}

/**
 * Per-caller and global rate limits around the chat route: admit (estimated tokens) → 429 or call the route
 * with `x-ratelimit-*` headers → settle with the real usage. A body that is not even shaped like a chat
 * request skips admission: the route answers it 400. Never rejects.
 */
export async function serveWithLimits(
  limiter: RateLimiter,
  handle: (body: unknown) => Promise<Usage | undefined>,
  caller: string,
  body: unknown,
  res: LimitedAnswer,
  fail: (err: unknown) => void,
): Promise<void> {
  if (!isChatRequestLike(body)) {
    await handle(body);
    return;
  }
  const estimated = estimateTokens(body);
  const admission = await limiter.admit(caller, estimated);
  for (const [name, value] of Object.entries(admission.headers)) res.setHeader(name, value);
  if (!admission.ok) return fail(rateLimitError(admission));
  const usage = await handle(body);
  // Without usage: a failed call used nothing; a successful one (e.g. a stream without usage) keeps the estimate.
  const actual = usage ? usage.totalTokens : res.statusCode >= 400 ? 0 : estimated;
  await limiter.settle(caller, estimated, actual);
}

/** 429 in OpenAI's shape; `sendError` adds Retry-After (whole seconds, rounded up) from retryAfterMs. */
export function rateLimitError(a: Extract<Admission, { ok: false }>): GatewayError {
  const which = a.scope === 'caller' ? 'this API token (per-caller limit)' : 'the gateway as a whole (global limit)';
  const unit = a.kind === 'requests' ? 'requests per minute (RPM)' : 'tokens per minute (TPM)';
  const retry = formatResetDuration(a.retryAfterMs);
  const message = a.tooLarge
    ? `Request too large for ${which} on ${unit}: limit ${a.limit}, requested ${a.requested} (estimated). Reduce the input or max_tokens.`
    : `Rate limit reached for ${which} on ${unit}: limit ${a.limit}, requested ${a.requested}. Please try again in ${retry}.`;
  return new GatewayError({ status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', message, retryAfterMs: a.retryAfterMs });
}
