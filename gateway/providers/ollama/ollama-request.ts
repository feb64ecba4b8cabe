import type { CallOptions } from '../../core/chat-model';
import { readText, tryParseJson, upstreamHttpError, upstreamRequest, type UpstreamResponse } from '../../http';
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

/** POSTs to an Ollama endpoint; resolves only on 2xx, otherwise throws the provider-named GatewayError. */
export async function postOllama(config: OllamaConfig, path: string, body: unknown, options: CallOptions): Promise<UpstreamResponse> {
  const provider = config.settings.name;
  const res = await upstreamRequest({
    provider,
    url: `${config.baseUrl}${path}`,
    method: 'POST',
    headers: ollamaHeaders(config, options),
    body,
    signal: options.signal,
    timeouts: config.settings.timeouts,
  });
  if (res.status >= 200 && res.status < 300) return res;
  const rawText = await readText(res, provider, options.signal);
  throw upstreamHttpError({ provider, status: res.status, headers: res.headers, message: parseOllamaError(tryParseJson(rawText)), rawText });
}

/** Response headers worth passing on (Ollama sends few; a proxy in front may add rate-limit state). */
export function headersOfInterest(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k.startsWith('x-ratelimit-') || k === 'retry-after' || k === 'x-request-id') out[k] = v;
  }
  return out;
}
