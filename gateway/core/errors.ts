import { ErrorCode, type UpstreamErrorCode } from './error-codes';

export { ErrorCode, type UpstreamErrorCode, upstreamCode } from './error-codes';

/**
 * The gateway layer's one error class. Every provider error, validation failure and routing failure becomes
 * a GatewayError; the API's error handler turns it into `{error:{message,type,param,code}}`.
 * Messages must never contain credentials.
 */

export type GatewayErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'service_unavailable_error'
  | 'upstream_error';

export interface GatewayErrorInit {
  status: number;
  message: string;
  type?: GatewayErrorType;
  /** One of ours (the closed set), or the upstream's own, verbatim (`upstreamCode()`). */
  code?: ErrorCode | UpstreamErrorCode | null;
  param?: string | null;
  /** Provider instance that produced the error, when it came from upstream. */
  provider?: string;
  /** Whether trying again (same or other target) may succeed. */
  retryable?: boolean;
  /** Upstream asked us to wait this long before retrying. */
  retryAfterMs?: number;
  /** Extra response headers that explain the failure (e.g. `x-cb-attempts`). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly status: number;
  readonly type: GatewayErrorType;
  readonly code: ErrorCode | UpstreamErrorCode | null;
  readonly param: string | null;
  readonly provider: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(init: GatewayErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'GatewayError';
    this.status = init.status;
    this.type = init.type ?? typeForStatus(init.status);
    this.code = init.code ?? null;
    this.param = init.param ?? null;
    this.provider = init.provider;
    this.retryable = init.retryable ?? isRetryableStatus(init.status);
    this.retryAfterMs = init.retryAfterMs;
    this.headers = init.headers;
  }

  toBody(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

export function typeForStatus(status: number): GatewayErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 408 || status === 504) return 'timeout_error';
  if (status === 503 || status === 529) return 'service_unavailable_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** Named constructors for the common failures; each fixes status, type, code and retryability once. */
export const GatewayErrors = {
  invalidRequest(message: string, param: string | null = null, code: ErrorCode | null = null): GatewayError {
    return new GatewayError({ status: 400, message, param, code, type: 'invalid_request_error' });
  },
  modelNotFound(message: string, param: string | null = 'model'): GatewayError {
    return new GatewayError({ status: 404, type: 'invalid_request_error', code: ErrorCode.ModelNotFound, param, message });
  },
  /** The upstream answered 2xx with a body we cannot read (not JSON, or not the provider's documented shape). */
  invalidUpstreamResponse(provider: string, detail: string): GatewayError {
    return upstreamFailure(provider, ErrorCode.InvalidUpstreamResponse, detail);
  },
  /** The upstream ended a stream without its final event: what arrived is not a whole answer. */
  streamTruncated(provider: string, detail = 'the stream ended before the response was complete'): GatewayError {
    return upstreamFailure(provider, ErrorCode.StreamTruncated, detail);
  },
  /** An error the upstream reported inside a 200 stream without a code of its own. */
  upstreamStreamError(provider: string, message: string, status = 502): GatewayError {
    const type = status === 502 ? 'upstream_error' : typeForStatus(status);
    return new GatewayError({ status, type, message: `${provider}: ${message}`, code: ErrorCode.UpstreamStreamError, provider });
  },
  upstreamTimeout(provider: string, detail: string, cause?: unknown): GatewayError {
    return new GatewayError({ status: 504, type: 'timeout_error', code: ErrorCode.UpstreamTimeout, message: `${provider}: ${detail}`, provider, retryable: true, cause });
  },
  upstreamUnreachable(provider: string, detail: string, cause?: unknown): GatewayError {
    return new GatewayError({ status: 502, type: 'upstream_error', code: ErrorCode.UpstreamUnreachable, message: `${provider}: ${detail}`, provider, retryable: true, cause });
  },
  missingProviderKey(provider: string): GatewayError {
    return new GatewayError({ status: 401, code: ErrorCode.MissingProviderKey, message: `${provider}: no API key configured`, provider, retryable: false });
  },
  /** The caller went away (or the call was cancelled): never retried. */
  aborted(provider?: string, cause?: unknown): GatewayError {
    return new GatewayError({ status: 499, message: 'Request was aborted', type: 'api_error', code: ErrorCode.Aborted, provider, retryable: false, cause });
  },
};

function upstreamFailure(provider: string, code: ErrorCode, detail: string): GatewayError {
  return new GatewayError({ status: 502, type: 'upstream_error', code, message: `${provider}: ${detail}`, provider, retryable: true });
}
