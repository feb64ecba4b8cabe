/**
 * Triggers: `POST /v1/hooks/<name>` starts the definition configured under `hooks.<name>` in CB_CONFIG, with
 * initial data mapped from the request by dotted paths into `{ payload, headers, query }`. A hook with
 * `secret_env` checks the secret: the `x-cb-hook-token` header equal to it, or an HMAC-SHA256 of the raw body
 * in `x-cb-signature` / `x-hub-signature-256` (`sha256=<hex>`). Transport-free.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { HookConfig } from '../config/config-file';
import { GatewayError } from '../gateway/core/errors';
import { parseJsonText } from '../gateway/core/json-text';
import type { JsonObject, JsonValue } from './definition/types';
import type { InstanceSummary } from './instance-view';
import { PipelineErrors } from './pipeline-errors';
import type { LinkOptions, PipelineService } from './pipeline-service';

export interface HookRequest {
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
}

export class HookTrigger {
  constructor(
    private readonly hooks: Record<string, HookConfig>,
    private readonly service: Pick<PipelineService, 'startInstance'>,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  get(name: string): HookConfig | undefined {
    return Object.hasOwn(this.hooks, name) ? this.hooks[name] : undefined;
  }

  /** True when the hook checks its own secret (then the API's bearer token is not required). */
  hasSecret(name: string): boolean {
    return this.get(name)?.secret_env !== undefined;
  }

  async trigger(name: string, req: HookRequest, caller: string, opts: LinkOptions = {}): Promise<InstanceSummary & { hook: string }> {
    const hook = this.get(name);
    if (!hook) throw PipelineErrors.unknownHook(name);
    if (hook.secret_env) this.verify(name, hook.secret_env, req);
    const payload = parseBody(req.rawBody);
    const initialData = mapPayload(hook.map, { payload, headers: lowerHeaders(req.headers), query: req.query as JsonObject });
    const started = await this.service.startInstance(hook.workflow, initialData, caller === 'anonymous' ? `hook:${name}` : caller, opts);
    return { ...started, hook: name };
  }

  private verify(name: string, envName: string, req: HookRequest): void {
    const secret = this.env[envName];
    if (!secret) {
      throw new GatewayError({ status: 503, code: 'hook_misconfigured', message: `Hook '${name}' expects its secret in $${envName}, which is not set on the server.` });
    }
    const h = lowerHeaders(req.headers);
    const token = str(h['x-cb-hook-token']);
    if (token !== undefined && safeEqual(token, secret)) return;
    const sig = str(h['x-cb-signature']) ?? str(h['x-hub-signature-256']);
    if (sig !== undefined) {
      const expected = `sha256=${createHmac('sha256', secret).update(req.rawBody).digest('hex')}`;
      if (safeEqual(sig.toLowerCase(), expected)) return;
    }
    throw PipelineErrors.hookUnauthorized(name);
  }
}

/** Builds initial data: each target field gets the value at its dotted path; an empty map passes the payload through. */
export function mapPayload(map: Record<string, string>, source: { payload: JsonValue; headers: JsonObject; query: JsonObject }): JsonObject {
  const entries = Object.entries(map);
  if (entries.length === 0) return isObject(source.payload) ? source.payload : { payload: source.payload };
  const out: JsonObject = {};
  for (const [field, path] of entries) {
    const v = at(source as unknown as JsonValue, path);
    if (v !== undefined) out[field] = v;
  }
  return out;
}

function at(root: JsonValue, path: string): JsonValue | undefined {
  let cur: JsonValue | undefined = root;
  for (const part of path.split('.')) {
    if (Array.isArray(cur) && /^\d+$/.test(part)) cur = cur[Number(part)];
    else if (isObject(cur) && Object.hasOwn(cur, part)) cur = cur[part];
    else return undefined;
  }
  return cur;
}

function parseBody(raw: Buffer): JsonValue {
  return raw.length === 0 ? {} : (parseJsonText(raw.toString('utf8')) as JsonValue);
}

function lowerHeaders(headers: HookRequest['headers']): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: JsonValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
