/**
 * The `http_request` built-in and the allowlisted fetch every function gets (`ctx.fetch`). Only hosts (and ports) in
 * CB_HTTP_ALLOWLIST are reachable (none by default), and never an internal address unless listed as that address;
 * each redirect hop is checked again; requests time out;
 * bodies are capped. 4xx answers (except 408/429) fail the step for good, 5xx/408/429/network errors are retried.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { Agent, fetch as undiciFetch } from 'undici';
import type { JsonObject, JsonValue } from '../../pipelines/definition/types';
import type { FunctionsConfig, HttpFetchOptions, PipelineFunction } from './function-types';

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
const MAX_REDIRECTS = 5;

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * Whether the allowlist admits this URL: an entry names a host (`api.example.com`, `*.example.com`, an IP) and a
 * port (`:8443`; none = the scheme's default port), so `api.example.com` does not open every port of that host.
 * `*` admits any public host on its default port.
 */
export function hostAllowed(url: URL, allowlist: readonly string[]): boolean {
  const host = bareHost(url.hostname);
  const port = url.port || DEFAULT_PORT[url.protocol] || '';
  return allowlist.some((raw) => {
    const { host: entryHost, port: entryPort } = splitEntry(raw.trim().toLowerCase());
    if ((entryPort ?? DEFAULT_PORT[url.protocol]) !== port) return false;
    if (entryHost === '*') return true;
    if (entryHost.startsWith('*.')) return host.endsWith(entryHost.slice(1)) || host === entryHost.slice(2);
    return entryHost === host;
  });
}

function bareHost(hostname: string): string {
  return hostname.toLowerCase().replace(/^\[|\]$/g, '');
}

/** `host`, `host:port`, `[v6]:port`, `v6` → its host and port (undefined: the default). */
function splitEntry(entry: string): { host: string; port?: string } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (v6) return { host: v6[1] ?? '', ...(v6[2] ? { port: v6[2] } : {}) };
  const colons = entry.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = entry.split(':');
    return { host: host ?? '', ...(port ? { port } : {}) };
  }
  return { host: entry };
}

/** Loopback, private, link-local (incl. 169.254.169.254), CGNAT, unspecified, multicast, reserved — v4, v6 and v4-mapped v6. */
const INTERNAL = (() => {
  const list = new BlockList();
  for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) list.addSubnet(net, bits, 'ipv4');
  for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) list.addSubnet(net, bits, 'ipv6');
  return list;
})();

export function isInternalAddress(ip: string): boolean {
  const kind = isIP(ip);
  if (kind === 4) return INTERNAL.check(ip, 'ipv4');
  if (kind !== 6) return true; // not an address at all: refuse
  const mapped = mappedV4(ip);
  return mapped ? INTERNAL.check(mapped, 'ipv4') : INTERNAL.check(ip, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped IPv6 one (`::ffff:127.0.0.1`, or as URLs write it, `::ffff:7f00:1`). */
function mappedV4(ip: string): string | undefined {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (dotted) return dotted;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (!hex) return undefined;
  const hi = parseInt(hex[1] ?? '0', 16);
  const lo = parseInt(hex[2] ?? '0', 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** An internal address is reachable only when the operator named that very address in the allowlist. */
function internalAllowed(ip: string, allowlist: readonly string[]): boolean {
  const mapped = mappedV4(ip);
  return allowlist.some((raw) => {
    const { host } = splitEntry(raw.trim().toLowerCase());
    return host === ip.toLowerCase() || (mapped !== undefined && host === mapped);
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
  const literal = bareHost(url.hostname);
  if (isIP(literal) !== 0 && isInternalAddress(literal) && !internalAllowed(literal, allowlist)) {
    throw ApplicationFailure.nonRetryable(`http_request: ${literal} is an internal address (list it explicitly in CB_HTTP_ALLOWLIST to allow it)`, 'HostNotAllowed');
  }
  return url;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The connection's own name resolution, checked where it is used: every address a name resolves to must be public
 * (or named in the allowlist), at connect time — so a name that resolves to 127.0.0.1, or is re-pointed there
 * between a check and the connection (DNS rebinding), never reaches an internal service. Redirect hops connect
 * through it too.
 */
function guardedLookup(allowlist: readonly string[]) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const refused = list.find((a) => isInternalAddress(a.address) && !internalAllowed(a.address, allowlist));
      if (refused) {
        const e: NodeJS.ErrnoException = new Error(`${hostname} resolves to the internal address ${refused.address}`);
        e.code = 'CB_INTERNAL_ADDRESS';
        return callback(e, []);
      }
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

const agents = new Map<string, Agent>();

/** One pooled agent per allowlist (functions of a worker share one config). */
function agentFor(allowlist: readonly string[]): Agent {
  const key = allowlist.join(',');
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({ connect: { lookup: guardedLookup([...allowlist]) } });
    agents.set(key, agent);
  }
  return agent;
}

/** fetch with the allowlist, internal addresses refused at connect time, a timeout and manual, re-checked redirects. */
export function allowlistedFetch(config: FunctionsConfig, signal: AbortSignal) {
  return async (raw: string, options: HttpFetchOptions = {}): Promise<Response> => {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? config.httpTimeoutMs ?? DEFAULT_TIMEOUT_MS);
    const both = AbortSignal.any([signal, timeout]);
    const dispatcher = agentFor(config.httpAllowlist);
    let url = checkUrl(raw, config.httpAllowlist);
    let method = (options.method ?? 'GET').toUpperCase();
    let body = options.body;
    for (let hop = 0; ; hop++) {
      let res: Response;
      try {
        res = (await undiciFetch(url, { method, headers: options.headers, body, redirect: 'manual', signal: both, dispatcher })) as unknown as Response;
      } catch (err) {
        if (signal.aborted) throw err;
        const internal = findCode(err, 'CB_INTERNAL_ADDRESS');
        if (internal) throw ApplicationFailure.nonRetryable(`http_request ${method} ${url.origin}: ${internal.message}`, 'HostNotAllowed');
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

/** The error (or one of its causes) with this code. */
function findCode(err: unknown, code: string): Error | undefined {
  for (let e: unknown = err, i = 0; e instanceof Error && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    if ((e as { code?: unknown }).code === code) return e;
  }
  return undefined;
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
