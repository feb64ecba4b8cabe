import { type GatewayError, GatewayErrors } from '../../core/errors';
import { tryParseJson, type UpstreamFailure, upstreamHttpError } from '../../http';
import { openaiErrorSchema } from './openai-schemas';

/** A non-2xx answer of an OpenAI-compatible endpoint → GatewayError keeping its status, message, code and param. */
export function openaiHttpError(failure: UpstreamFailure): GatewayError {
  const parsed = openaiErrorSchema.safeParse(tryParseJson(failure.rawText));
  const e = parsed.success ? parsed.data.error : undefined;
  const detail = typeof e === 'string' ? { message: e, code: null, param: null } : e;
  return upstreamHttpError({
    ...failure,
    message: detail?.message ?? undefined,
    code: detail?.code,
    param: detail?.param ?? null,
  });
}

/** `data: {"error": …}` inside a 200 stream (OpenRouter and many proxies) → GatewayError thrown from the iterator. */
export function openaiStreamError(provider: string, error: unknown): GatewayError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { message?: unknown; code?: unknown };
  const message = typeof e.message === 'string' ? e.message : 'upstream stream error';
  const status = typeof e.code === 'number' && e.code >= 400 && e.code < 600 ? e.code : 502;
  return GatewayErrors.upstreamStreamError(provider, message, status);
}
