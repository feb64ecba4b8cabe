import { pickHeaders, type UpstreamTimeouts } from '../../http/upstream-client';
import type { KeyRing, ProviderSettings } from '../provider';

/** What the Google chat and embedding models share: where to call and with which headers. */
export interface GoogleModelConfig {
  settings: ProviderSettings;
  /** e.g. `https://generativelanguage.googleapis.com/v1beta` */
  apiBase: string;
  /** Request headers including `x-goog-api-key` (next key of the ring); built per call. */
  headers: (apiKey?: string) => Record<string, string>;
  timeouts: UpstreamTimeouts;
}

/** `https://generativelanguage.googleapis.com` → `…/v1beta`; a base already ending in a version is kept. */
export function googleApiBase(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return /\/v1(beta|alpha)?\d*$/.test(base) ? base : `${base}/v1beta`;
}

/** `models/gemini-2.5-flash` and `gemini-2.5-flash` both name the model; the URL wants `models/<id>`. */
export function googleModelPath(modelId: string): string {
  const id = modelId.replace(/^models\//, '');
  return `models/${encodeURIComponent(id)}`;
}

export function googleModelConfig(settings: ProviderSettings, keys: KeyRing): GoogleModelConfig {
  return {
    settings,
    apiBase: googleApiBase(settings.baseUrl),
    headers: (apiKey?: string) => {
      const key = keys.take(apiKey);
      return { ...settings.headers, ...(key !== undefined ? { 'x-goog-api-key': key } : {}) };
    },
    timeouts: settings.timeouts,
  };
}

/** Upstream response headers worth handing to the caller (rate-limit state, request ids). */
export function interestingHeaders(headers: Record<string, string>): Record<string, string> {
  return pickHeaders(headers, ['x-request-id', 'server-timing'], ['x-ratelimit', 'retry-after']);
}
