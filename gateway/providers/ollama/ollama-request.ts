import type { CallOptions } from '../../core/chat-model';
import { type GatewayError, GatewayErrors } from '../../core/errors';
import { pickHeaders, postJson, type SuccessfulResponseHandler, tryParseJson, type UpstreamFailure, upstreamHttpError } from '../../http';
import type { KeyRing, ProviderSettings } from '../provider';
import { parseOllamaError } from './ollama-schemas';

/** What every Ollama model of one provider instance shares. */
export interface OllamaConfig {
  settings: ProviderSettings;
  /** Ollama needs no key; one is sent as a Bearer token when configured (auth proxies, ollama.com). */
  keys: KeyRing;
  /** Server root, e.g. `http://127.0.0.1:11434` (a trailing `/`, `/api` or `/v1` is removed). */
  baseUrl: string;
}

export function ollamaBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/(v1|api)$/, '');
}

export function ollamaHeaders(config: OllamaConfig, options: CallOptions): Record<string, string> {
  const headers: Record<string, string> = { ...config.settings.headers };
  const key = config.keys.take(options.apiKey);
  if (key !== undefined && key !== '') headers['authorization'] = `Bearer ${key}`;
  if (options.requestId !== undefined) headers['x-request-id'] = options.requestId;
  return headers;
}

/** POSTs to an Ollama endpoint; a non-2xx answer throws the provider-named GatewayError. */
export function postOllama<T>(config: OllamaConfig, path: string, body: unknown, options: CallOptions, successfulResponseHandler: SuccessfulResponseHandler<T>): Promise<T> {
  return postJson({
    provider: config.settings.name,
    url: `${config.baseUrl}${path}`,
    headers: ollamaHeaders(config, options),
    body,
    signal: options.signal,
    timeouts: config.settings.timeouts,
    failedResponseHandler: ollamaHttpError,
    successfulResponseHandler,
  });
}

function ollamaHttpError(failure: UpstreamFailure): GatewayError {
  return upstreamHttpError({ ...failure, message: parseOllamaError(tryParseJson(failure.rawText)) });
}

/** Ollama reports a failure after it answered 200 as `{"error": "…"}` (a whole body, or one NDJSON line). */
export function ollamaErrorInBody(provider: string, json: unknown): GatewayError | undefined {
  const message = parseOllamaError(json);
  return message === undefined ? undefined : GatewayErrors.upstreamStreamError(provider, message);
}

/** Response headers worth passing on (Ollama sends few; a proxy in front may add rate-limit state). */
export function headersOfInterest(headers: Record<string, string>): Record<string, string> {
  return pickHeaders(headers, ['retry-after', 'x-request-id'], ['x-ratelimit-']);
}
