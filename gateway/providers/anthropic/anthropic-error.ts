import { GatewayError, upstreamCode } from '../../core/errors';
import { tryParseJson, upstreamHttpError } from '../../http/provider-error';
import type { UpstreamFailure } from '../../http/post-json';
import { anthropicErrorSchema, type AnthropicErrorBody } from './anthropic-schemas';

/** A non-2xx Anthropic response → GatewayError. Anthropic's 529 (overloaded) is not an OpenAI status: clients get 503. */
export function anthropicHttpError(args: UpstreamFailure): GatewayError {
  const parsed = anthropicErrorSchema.safeParse(tryParseJson(args.rawText));
  return upstreamHttpError({
    provider: args.provider,
    status: args.status === 529 ? 503 : args.status,
    headers: args.headers,
    message: parsed.success ? parsed.data.error.message : undefined,
    code: parsed.success ? parsed.data.error.type : null,
    rawText: args.rawText,
  });
}

/** HTTP status Anthropic uses for each error type; mid-stream errors arrive inside a 200 response. */
const STATUS_BY_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 502,
  timeout_error: 504,
  // 529 in Anthropic's HTTP answers; clients know 503.
  overloaded_error: 503,
};

/** An `event: error` received after the stream started → GatewayError thrown from the iterator. */
export function anthropicStreamError(provider: string, body: AnthropicErrorBody): GatewayError {
  const status = STATUS_BY_TYPE[body.error.type] ?? 502;
  return new GatewayError({
    status,
    message: `${provider}: ${body.error.message}`,
    code: upstreamCode(body.error.type),
    provider,
  });
}
