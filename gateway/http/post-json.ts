import type { ZodType } from 'zod';
import { type GatewayError, GatewayErrors } from '../core/errors';
import { tryParseJson } from './provider-error';
import { readText, type UpstreamRequest, type UpstreamResponse, upstreamRequest } from './upstream-client';

/**
 * The one way an adapter calls its upstream (vercel/ai's `postJsonToApi`): POST a JSON body, hand a non-2xx
 * answer to the provider's `failedResponseHandler` (its error schema → a GatewayError naming the provider),
 * and a 2xx answer to a `successfulResponseHandler` (a validated JSON body, or the open response of a stream).
 */

/** A non-2xx upstream answer, body already read. */
export interface UpstreamFailure {
  provider: string;
  status: number;
  headers: Record<string, string>;
  rawText: string;
}

export type FailedResponseHandler = (failure: UpstreamFailure) => GatewayError;

export type SuccessfulResponseHandler<T> = (res: UpstreamResponse, call: { provider: string; signal: AbortSignal | undefined }) => Promise<T>;

export interface PostJsonRequest<T> extends Omit<UpstreamRequest, 'method' | 'body'> {
  /** A JSON body (serialised once, by the client) or already-serialised text. */
  body: unknown;
  failedResponseHandler: FailedResponseHandler;
  successfulResponseHandler: SuccessfulResponseHandler<T>;
}

export async function postJson<T>(req: PostJsonRequest<T>): Promise<T> {
  const { provider, signal } = req;
  const res = await upstreamRequest({ provider, url: req.url, method: 'POST', headers: req.headers, body: req.body, signal, timeouts: req.timeouts });
  if (res.status < 200 || res.status >= 300) {
    // A body that cannot be read still leaves the status, which says more than the read error.
    const rawText = await readText(res, provider, signal).catch(() => '');
    throw req.failedResponseHandler({ provider, status: res.status, headers: res.headers, rawText });
  }
  return req.successfulResponseHandler(res, { provider, signal });
}

/** A validated JSON body, with the text it came from (OpenAI-compatible answers are passed on byte for byte). */
export interface JsonResponse<T> {
  value: T;
  rawText: string;
  headers: Record<string, string>;
}

/**
 * Reads the body, parses it and validates it with the provider's schema; anything else is one error:
 * `invalid_upstream_response` naming the provider and `what` was expected. `errorInBody` lets a provider
 * that reports failures inside a 200 answer (Ollama's `{"error": …}`) say so first.
 */
export function jsonResponseHandler<T>(
  schema: ZodType<T>,
  what: string,
  errorInBody?: (json: unknown) => GatewayError | undefined,
): SuccessfulResponseHandler<JsonResponse<T>> {
  return async (res, { provider, signal }) => {
    const rawText = await readText(res, provider, signal);
    const json = tryParseJson(rawText);
    const error = errorInBody?.(json);
    if (error !== undefined) throw error;
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw GatewayErrors.invalidUpstreamResponse(provider, `${what} did not match the expected shape`);
    return { value: parsed.data, rawText, headers: res.headers };
  };
}

/** For streams: the open 2xx response, body unread; the adapter reads its events (see `chatStream`). */
export const streamResponseHandler: SuccessfulResponseHandler<UpstreamResponse> = (res) => Promise.resolve(res);

/**
 * Parses one streamed event's JSON with the provider's schema; `invalid_upstream_response` otherwise.
 * (`tryParseJson` first when the caller must look at the raw value, e.g. for an error event.)
 */
export function parseStreamEvent<T>(schema: ZodType<T>, json: unknown, provider: string, what: string): T {
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw GatewayErrors.invalidUpstreamResponse(provider, `${what} did not match the expected shape`);
  return parsed.data;
}
