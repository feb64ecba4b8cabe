import { Agent, type Dispatcher } from 'undici';
import { GatewayError, GatewayErrors } from '../core/errors';

/**
 * The upstream HTTP client for the hot path: one undici Agent (a keep-alive Pool per origin).
 * Fetch and the provider SDKs cost far more per request here; see README "Performance".
 */

export interface UpstreamTimeouts {
  /** TCP/TLS connect timeout. */
  connectMs: number;
  /** Time until response headers arrive (covers a hung upstream before the first byte). */
  headersMs: number;
  /** Longest silence between two body chunks. */
  bodyMs: number;
}

export const DEFAULT_TIMEOUTS: UpstreamTimeouts = { connectMs: 10_000, headersMs: 120_000, bodyMs: 120_000 };

function createAgent(connectMs: number): Agent {
  return new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connections: 256, pipelining: 1, connect: { timeout: connectMs } });
}

let agent = createAgent(DEFAULT_TIMEOUTS.connectMs);
let agentConnectMs = DEFAULT_TIMEOUTS.connectMs;

/** Sets the TCP/TLS connect timeout of the shared pool (`routing.timeouts.connect_ms`; read at start-up). */
export function configureUpstream(opts: { connectMs: number }): void {
  if (opts.connectMs === agentConnectMs) return;
  const old = agent;
  agent = createAgent(opts.connectMs);
  agentConnectMs = opts.connectMs;
  void old.close().catch(() => undefined);
}

export interface UpstreamRequest {
  provider: string;
  /** Full URL, or its pre-split parts (hot path: split once per model, not per request). */
  url: string | UpstreamTarget;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** A JSON body (serialised here) or already-serialised text. */
  body?: unknown;
  signal?: AbortSignal | undefined;
  timeouts?: Partial<UpstreamTimeouts>;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: Dispatcher.ResponseData['body'];
}

export interface UpstreamTarget {
  origin: string;
  path: string;
}

export function splitUrl(url: string): UpstreamTarget {
  const u = new URL(url);
  return { origin: u.origin, path: u.pathname + u.search };
}

/** Sends a request; network failures become retryable GatewayErrors naming the provider, never the URL's secrets. */
export async function upstreamRequest(req: UpstreamRequest): Promise<UpstreamResponse> {
  const headers: Record<string, string> = { ...req.headers };
  let body: string | undefined;
  if (req.body !== undefined) {
    body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    headers['content-type'] ??= 'application/json';
  }
  try {
    const target = typeof req.url === 'string' ? splitUrl(req.url) : req.url;
    const res = await agent.request({
      origin: target.origin,
      path: target.path,
      method: req.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      signal: req.signal,
      headersTimeout: req.timeouts?.headersMs ?? DEFAULT_TIMEOUTS.headersMs,
      bodyTimeout: req.timeouts?.bodyMs ?? DEFAULT_TIMEOUTS.bodyMs,
    });
    return { status: res.statusCode, headers: flattenHeaders(res.headers), body: res.body };
  } catch (err) {
    throw networkError(req.provider, err, req.signal);
  }
}

/** undici already lower-cases header names; repeated headers arrive as arrays and are joined. */
export function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in h) {
    const v = h[k];
    if (v !== undefined) out[k] = typeof v === 'string' ? v : v.join(', ');
  }
  return out;
}

/** The response headers worth handing on (rate-limit state, request ids): these names, and names with these prefixes. */
export function pickHeaders(headers: Record<string, string>, names: readonly string[], prefixes: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in headers) {
    const v = headers[k];
    if (v !== undefined && (names.includes(k) || prefixes.some((p) => k.startsWith(p)))) out[k] = v;
  }
  return out;
}

/** Maps a transport failure (reset, refused, timeout, abort) to a GatewayError. */
export function networkError(provider: string, err: unknown, signal?: AbortSignal): GatewayError {
  if (err instanceof GatewayError) return err;
  if (signal?.aborted) return GatewayErrors.aborted(provider, err);
  const code = (err as { code?: string } | null)?.code;
  // undici refused to send what we built (a header value with control characters, …): nothing reached the
  // upstream, and the request is what is wrong — the caller's 400, never the target's health.
  if (code === 'UND_ERR_INVALID_ARG') return GatewayErrors.invalidRequest(`${provider}: the request could not be sent as it is (${(err as Error).message})`, null, 'invalid_value');
  const reason = code ?? (err as Error)?.name ?? 'error';
  const timeout = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
  return timeout
    ? GatewayErrors.upstreamTimeout(provider, `upstream timed out (${reason})`, err)
    : GatewayErrors.upstreamUnreachable(provider, `upstream connection failed (${reason})`, err);
}

/** Reads the whole body as text (used for errors and non-streaming responses). */
export async function readText(res: UpstreamResponse, provider: string, signal?: AbortSignal): Promise<string> {
  try {
    return await res.body.text();
  } catch (err) {
    throw networkError(provider, err, signal);
  }
}

/** Parses `retry-after-ms` / `retry-after` (seconds or HTTP date) into milliseconds. */
export function retryAfterMs(headers: Record<string, string>, now: number = Date.now()): number | undefined {
  const ms = headers['retry-after-ms'];
  if (ms !== undefined && ms.trim() !== '') {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return n;
  }
  const ra = headers['retry-after'];
  if (ra === undefined || ra.trim() === '') return undefined;
  const secs = Number(ra);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
