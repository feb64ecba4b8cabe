/**
 * The closed set of error codes the gateway itself puts in `{error:{code}}`. A new failure mode gets a
 * code here (and, when common, a factory in `GatewayErrors`); nothing else may invent one.
 *
 * The one open door is an upstream's own code (`overloaded_error`, `RESOURCE_EXHAUSTED`, OpenAI's
 * `rate_limit_exceeded` …), passed on verbatim so clients see what the provider said: it must be wrapped
 * by `upstreamCode()`, which marks it as the provider's, not ours.
 */
export const ErrorCode = {
  // The request itself (400/404/413/415).
  InvalidJson: 'invalid_json',
  JsonTooDeep: 'json_too_deep',
  InvalidBody: 'invalid_body',
  InvalidValue: 'invalid_value',
  RequestTooLarge: 'request_too_large',
  UnsupportedEncoding: 'unsupported_encoding',
  UnknownUrl: 'unknown_url',
  ModelNotFound: 'model_not_found',
  NoEligibleModel: 'no_eligible_model',
  // Callers and limits (401/429).
  InvalidApiKey: 'invalid_api_key',
  RateLimitExceeded: 'rate_limit_exceeded',
  // Routing gave up (503/429/504).
  NoHealthyProvider: 'no_healthy_provider',
  ProviderKeysRejected: 'provider_keys_rejected',
  UpstreamRateLimited: 'upstream_rate_limited',
  FirstTokenTimeout: 'first_token_timeout',
  // One upstream call (502/504/499).
  MissingProviderKey: 'missing_provider_key',
  UpstreamTimeout: 'upstream_timeout',
  UpstreamUnreachable: 'upstream_unreachable',
  InvalidUpstreamResponse: 'invalid_upstream_response',
  StreamTruncated: 'stream_truncated',
  UpstreamStreamError: 'upstream_stream_error',
  Aborted: 'aborted',
  // Pipelines and Temporal.
  TemporalUnavailable: 'temporal_unavailable',
  WorkflowFailed: 'workflow_failed',
  WorkflowNotFound: 'workflow_not_found',
  InstanceNotFound: 'instance_not_found',
  InstanceFinished: 'instance_finished',
  NotWaitingForSignal: 'not_waiting_for_signal',
  InvalidInitialData: 'invalid_initial_data',
  InvalidDefinition: 'invalid_definition',
  HookNotFound: 'hook_not_found',
  HookMisconfigured: 'hook_misconfigured',
  InvalidHookSignature: 'invalid_hook_signature',
  // Anything unexpected (500).
  InternalError: 'internal_error',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

declare const upstreamBrand: unique symbol;
/** A provider's own error code, passed on verbatim (see `upstreamCode`). */
export type UpstreamErrorCode = string & { readonly [upstreamBrand]: true };

/** Marks a code as the upstream's own (OpenAI sends numbers sometimes); empty → null. */
export function upstreamCode(raw: string | number | null | undefined): UpstreamErrorCode | null {
  if (raw == null || raw === '') return null;
  return String(raw) as UpstreamErrorCode;
}
