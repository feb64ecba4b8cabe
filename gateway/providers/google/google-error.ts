import { GatewayError, isRetryableStatus, upstreamCode } from '../../core/errors';
import type { UpstreamFailure } from '../../http/post-json';
import { tryParseJson, upstreamHttpError } from '../../http/provider-error';
import { googleErrorSchema, type GoogleErrorBody } from './google-schemas';

type GoogleErrorInfo = GoogleErrorBody['error'];

/** Parses `{error:{…}}` (or the `[{error:{…}}]` array form streamGenerateContent uses without alt=sse). */
export function parseGoogleError(value: unknown): GoogleErrorInfo | undefined {
  const candidate = Array.isArray(value) ? (value[0] as unknown) : value;
  const parsed = googleErrorSchema.safeParse(candidate);
  return parsed.success ? parsed.data.error : undefined;
}

/**
 * A non-2xx Gemini response → GatewayError. Google answers a bad key with 400 INVALID_ARGUMENT and reason
 * API_KEY_INVALID: we report it as 401 (what OpenAI clients and our key rotation expect). Quota errors carry
 * their wait in `RetryInfo.retryDelay` ("34.4s") rather than a Retry-After header; it becomes retryAfterMs.
 */
export function googleHttpError(args: UpstreamFailure): GatewayError {
  const info = parseGoogleError(tryParseJson(args.rawText));
  const reason = info?.details?.find((d) => typeof d.reason === 'string')?.reason ?? undefined;
  const headers = { ...args.headers };
  const delay = retryDelayMs(info);
  if (delay !== undefined && headers['retry-after'] === undefined && headers['retry-after-ms'] === undefined) {
    headers['retry-after-ms'] = String(delay);
  }
  const badKey = reason === 'API_KEY_INVALID';
  return upstreamHttpError({
    provider: args.provider,
    status: badKey ? 401 : args.status,
    headers,
    message: info?.message ?? undefined,
    code: reason ?? info?.status ?? null,
    rawText: args.rawText,
  });
}

/** An `{error}` event inside a 200 SSE stream → GatewayError (status from the error's code, else 502). */
export function googleStreamError(provider: string, info: GoogleErrorInfo): GatewayError {
  const code = info.code ?? undefined;
  const status = code !== undefined && code >= 400 && code <= 599 ? code : 502;
  return new GatewayError({
    status,
    message: `${provider}: ${info.message ?? 'error in stream'}`,
    code: upstreamCode(info.status),
    provider,
    retryable: isRetryableStatus(status),
    retryAfterMs: retryDelayMs(info),
  });
}

function retryDelayMs(info: GoogleErrorInfo | undefined): number | undefined {
  const raw = info?.details?.find((d) => typeof d.retryDelay === 'string')?.retryDelay;
  const m = raw == null ? null : /^(\d+(?:\.\d+)?)s$/.exec(raw.trim());
  return m?.[1] === undefined ? undefined : Math.round(Number(m[1]) * 1000);
}
