import { invalidRequestFromZod } from '../../gateway/core/zod-issues';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { type ChatRequest, chatRequestSchema } from '../../gateway/core/chat-request';
import type { Usage } from '../../gateway/core/chat-result';
import { type GatewayError, GatewayErrors } from '../../gateway/core/errors';
import { parseRoutingExtensions, type RouteRequest } from '../../gateway/routing/route-planner';
import type { Routed, Router } from '../../gateway/routing/router';
import { sendError, toPublicError } from '../middleware/error-handler';
import { ChunkSerializer, toChatCompletion } from '../openai/chat-completion-serializer';
import { SseResponse } from './sse-response';

export interface ChatCompletionsDeps {
  router: Router;
  logger: Logger;
  sseKeepAliveMs: number;
  redact: (text: string) => string;
}

/**
 * `POST /v1/chat/completions`: validate, resolve the model, call it, answer in OpenAI's exact shape.
 * Written against node:http types: it is served by the hot-path listener, ahead of Express.
 */
export class ChatCompletionsRoute {
  constructor(private readonly deps: ChatCompletionsDeps) {}

  /** Never rejects: every failure is written to `res` in OpenAI's error shape. Resolves to the call's usage, when known. */
  async handle(body: unknown, res: ServerResponse, requestId: string): Promise<Usage | undefined> {
    const started = performance.now();
    let routed: Routed<unknown> | undefined;
    let stream = false;
    const log: LogFn = (status, usage, error) => {
      const level = error ? 'warn' : 'info';
      if (!this.deps.logger.isLevelEnabled(level)) return;
      const ms = Math.round((performance.now() - started) * 10) / 10;
      const c = routed?.candidate;
      const fields = {
        requestId,
        provider: c?.provider.settings.name ?? error?.provider,
        model: c?.model.modelId,
        stream,
        status,
        ms,
        attempts: routed?.attempts.length ?? error?.headers?.['x-cb-attempts'],
        fallback: routed?.fallback,
        usage,
        ...(error ? { error: error.message, code: error.code } : {}),
      };
      this.deps.logger[level](fields, error ? 'chat completion failed' : 'chat completion');
    };
    try {
      const route = parseRouteRequest(body);
      stream = route.stream;
      const signal = abortOnClose(res);
      if (stream) return await this.stream(route, res, signal, requestId, log, (r) => (routed = r));
      const r = await this.deps.router.generate(route, { signal, requestId });
      routed = r;
      setRouteHeaders(res, r);
      const result = r.value;
      log(200, result.usage);
      const text = result.rawText ?? JSON.stringify(toChatCompletion(result, `chatcmpl-${requestId}`, nowSeconds()));
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return result.usage;
    } catch (err) {
      const e = toPublicError(err, this.deps.redact);
      log(e.status, undefined, e);
      sendError(res, e, requestId, this.deps.logger, this.deps.redact);
      return undefined;
    }
  }

  private async stream(
    route: RouteRequest,
    res: ServerResponse,
    signal: AbortSignal,
    requestId: string,
    log: LogFn,
    onRouted: (r: Routed<unknown>) => void,
  ): Promise<Usage | undefined> {
    const sse = new SseResponse(res, this.deps.sseKeepAliveMs);
    const out = new ChunkSerializer(`chatcmpl-${requestId}`, route.model, nowSeconds(), route.request.stream_options?.include_usage === true);
    try {
      const routed = await this.deps.router.stream(route, { signal, requestId });
      onRouted(routed);
      setRouteHeaders(res, routed);
      let flushed = false;
      for await (const part of routed.value) {
        const text = out.write(part);
        if (text === '') continue;
        await sse.write(text);
        if (!flushed) {
          // Let the first token leave now, even when the upstream delivered a burst of chunks at once.
          flushed = true;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      // A stream cut short never gets here: the adapters' stream skeleton (gateway/http/chat-stream.ts) throws stream_truncated.
      log(200, out.usage);
      sse.end(out.end());
      return out.usage;
    } catch (err) {
      const e = toPublicError(err, this.deps.redact);
      if (!sse.started) {
        sse.stop();
        throw e;
      }
      log(e.status, out.usage, e);
      // After the first byte: end with an OpenAI-style error event, never splice or hang.
      sse.end(`data: ${JSON.stringify(e.toBody())}\n\n`);
      return out.usage;
    }
  }
}

type LogFn = (status: number, usage: Usage | undefined, error?: GatewayError) => void;

/** Who answered and how: `x-cb-provider`, `x-cb-model`, `x-cb-attempts`, `x-cb-fallback`. */
function setRouteHeaders(res: ServerResponse, r: Routed<unknown>): void {
  if (res.headersSent) return; // a keep-alive comment already went out while the route was failing over
  res.setHeader('x-cb-provider', r.candidate.provider.settings.name);
  res.setHeader('x-cb-model', r.candidate.model.modelId); // upstream id (an Azure deployment for Azure)
  res.setHeader('x-cb-attempts', String(r.attempts.length));
  res.setHeader('x-cb-fallback', String(r.fallback));
}

/** The validated chat request plus the routing extensions (OpenRouter's and ours) from the same body. */
export function parseRouteRequest(body: unknown): RouteRequest {
  const request = parseChatRequest(body);
  return { model: request.model, stream: request.stream === true, request, extensions: parseRoutingExtensions(body) };
}

export function parseChatRequest(body: unknown): ChatRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw GatewayErrors.invalidRequest('The request body must be a JSON object with "model" and "messages".', null, 'invalid_body');
  }
  const parsed = chatRequestSchema.safeParse(body);
  if (!parsed.success) throw invalidRequestFromZod(parsed.error, 'chat completion request');
  const r = parsed.data;
  if (r.stream_options != null && r.stream !== true) {
    throw GatewayErrors.invalidRequest('stream_options is only allowed when stream is true', 'stream_options');
  }
  // OpenRouter's `usage: {include: true}`: a streamed answer ends with the usage chunk, as with include_usage.
  const usage = (r as { usage?: unknown }).usage;
  if (r.stream === true && usage !== null && typeof usage === 'object' && (usage as { include?: unknown }).include === true && r.stream_options?.include_usage !== true) {
    return { ...r, stream_options: { ...r.stream_options, include_usage: true } };
  }
  return r;
}

/** Aborts the upstream call as soon as the client goes away before we finished answering. */
export function abortOnClose(res: ServerResponse): AbortSignal {
  const abort = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  return abort.signal;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
