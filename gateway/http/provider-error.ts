import { GatewayError, upstreamCode } from '../core/errors';
import { retryAfterMs } from './upstream-client';

/**
 * Turns a failed upstream response into a GatewayError that names the provider, keeps the upstream status
 * (so clients see the status OpenAI would use) and carries Retry-After. `message` is what the provider's
 * error schema yielded; callers pass the raw text when it did not parse.
 */
export function upstreamHttpError(args: {
  provider: string;
  status: number;
  headers: Record<string, string>;
  message: string | undefined;
  /** The upstream's own error code, passed on verbatim. */
  code?: string | number | null;
  param?: string | null;
  rawText?: string;
}): GatewayError {
  const { provider, headers } = args;

  const detail = args.message ?? truncate(args.rawText ?? '', 300);
  return new GatewayError({
    status: args.status,
    message: `${provider}: ${detail || `upstream returned HTTP ${args.status}`}`,
    code: upstreamCode(args.code),
    param: args.param ?? null,
    provider,
    retryAfterMs: retryAfterMs(headers),
  });
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** JSON.parse that returns undefined instead of throwing. */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
