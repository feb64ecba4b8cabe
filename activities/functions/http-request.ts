/**
 * The `http_request` built-in and the allowlisted fetch every function gets (`ctx.fetch`). Only hosts in
 * CB_HTTP_ALLOWLIST are reachable (none by default); each redirect hop is checked again; requests time out;
 * bodies are capped. 4xx answers (except 408/429) fail the step for good, 5xx/408/429/network errors are retried.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { JsonObject, JsonValue } from '../../pipelines/definition/types';
import type { FunctionsConfig, HttpFetchOptions, PipelineFunction } from './function-types';

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
const MAX_REDIRECTS = 5;

export function hostAllowed(url: URL, allowlist: readonly string[]): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const hostPort = url.port ? `${host}:${url.port}` : host;
  return allowlist.some((entry) => {
    if (entry === '*') return true;
    if (entry.startsWith('*.')) return host.endsWith(entry.slice(1)) || host === entry.slice(2);
    return entry === host || entry === hostPort || entry === url.host.toLowerCase();
  });
}

function checkUrl(raw: string, allowlist: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw ApplicationFailure.nonRetryable(`http_request: '${raw}' is not a valid URL`, 'InvalidRequest');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw ApplicationFailure.nonRetryable(`http_request: only http and https URLs are allowed, not ${url.protocol}`, 'InvalidRequest');
  }
  if (!hostAllowed(url, allowlist)) {
    const hint = allowlist.length === 0 ? 'no host is allowed (CB_HTTP_ALLOWLIST is empty)' : `allowed: ${allowlist.join(', ')}`;
    throw ApplicationFailure.nonRetryable(`http_request: host '${url.host}' is not in CB_HTTP_ALLOWLIST (${hint})`, 'HostNotAllowed');
  }
  return url;
}

/** fetch with the allowlist, a timeout and manual, re-checked redirects. Network failures are retryable. */
export function allowlistedFetch(config: FunctionsConfig, signal: AbortSignal) {
  return async (raw: string, options: HttpFetchOptions = {}): Promise<Response> => {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? config.httpTimeoutMs ?? DEFAULT_TIMEOUT_MS);
    const both = AbortSignal.any([signal, timeout]);
    let url = checkUrl(raw, config.httpAllowlist);
    let method = (options.method ?? 'GET').toUpperCase();
    let body = options.body;
    for (let hop = 0; ; hop++) {
      let res: Response;
      try {
        res = await fetch(url, { method, headers: options.headers, body, redirect: 'manual', signal: both });
      } catch (err) {
        if (signal.aborted) throw err;
        const why = timeout.aborted ? `timed out after ${options.timeoutMs ?? config.httpTimeoutMs ?? DEFAULT_TIMEOUT_MS} ms` : (err as Error).message;
        throw ApplicationFailure.retryable(`http_request ${method} ${url.origin}${url.pathname}: ${why}`, 'HttpUnavailable');
      }
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return res;
      if (hop >= MAX_REDIRECTS) throw ApplicationFailure.nonRetryable(`http_request: more than ${MAX_REDIRECTS} redirects`, 'InvalidRequest');
      await res.body?.cancel();
      url = checkUrl(new URL(location, url).toString(), config.httpAllowlist);
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
    }
  };
}

/** Reads a body up to `max` bytes (fails for good when larger). */
export async function readCapped(res: Response, max: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > max) throw ApplicationFailure.nonRetryable(`http_request: response of ${declared} bytes exceeds the ${max}-byte limit`, 'ResponseTooLarge');
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (res.body) {
    for await (const chunk of res.body) {
      size += chunk.byteLength;
      if (size > max) throw ApplicationFailure.nonRetryable(`http_request: response exceeds the ${max}-byte limit`, 'ResponseTooLarge');
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks);
}

/** Fails the step by HTTP status: 4xx (except 408/429) for good, the rest retried. */
export function throwForStatus(res: Response, what: string, text: string): void {
  if (res.ok) return;
  const message = `${what}: HTTP ${res.status}${text ? `: ${text.slice(0, 300)}` : ''}`;
  const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
  const retryAfter = Number(res.headers.get('retry-after'));
  if (retryable) {
    throw ApplicationFailure.create({ message, type: 'HttpError', ...(retryAfter > 0 ? { nextRetryDelay: retryAfter * 1000 } : {}) });
  }
  throw ApplicationFailure.nonRetryable(message, res.status === 404 ? 'NotFound' : res.status === 401 || res.status === 403 ? 'Unauthorized' : 'InvalidRequest');
}

function stringRecord(v: JsonValue | undefined): Record<string, string> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? x : JSON.stringify(x)]));
}

export function httpRequestFunction(config: FunctionsConfig): PipelineFunction {
  return {
    name: 'http_request',
    description: 'HTTP call to an allowlisted host; answers {status, headers, body} (JSON parsed when JSON).',
    async run(input: JsonObject, ctx) {
      const url = input.url;
      if (typeof url !== 'string' || url === '') throw ApplicationFailure.nonRetryable('http_request: `url` is required', 'InvalidRequest');
      const method = typeof input.method === 'string' ? input.method.toUpperCase() : 'GET';
      const headers = stringRecord(input.headers);
      let body: string | undefined;
      if (input.body !== undefined && input.body !== null) {
        body = typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
        if (typeof input.body !== 'string' && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      }
      const timeoutMs = typeof input.timeout_ms === 'number' ? input.timeout_ms : undefined;
      const res = await ctx.fetch(url, { method, headers, body, ...(timeoutMs ? { timeoutMs } : {}) });
      const bytes = await readCapped(res, config.httpMaxBytes ?? DEFAULT_MAX_BYTES);
      const text = Buffer.from(bytes).toString('utf8');
      throwForStatus(res, `http_request ${method} ${url}`, text);
      const wantsJson = input.response === 'json' || (input.response !== 'text' && /\bjson\b/i.test(res.headers.get('content-type') ?? ''));
      let parsed: JsonValue = text;
      if (wantsJson) {
        try {
          parsed = JSON.parse(text) as JsonValue;
        } catch {
          if (input.response === 'json') throw ApplicationFailure.nonRetryable(`http_request ${url}: the response is not JSON`, 'InvalidResponse');
        }
      }
      const outHeaders: Record<string, string> = {};
      res.headers.forEach((v, k) => (outHeaders[k] = v));
      return { status: res.status, headers: outHeaders, body: parsed };
    },
  };
}
