import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ChatModel } from '../../gateway/core/chat-model';
import { type ChatRequest, chatRequestSchema } from '../../gateway/core/chat-request';
import type { Usage } from '../../gateway/core/chat-result';
import { GatewayError } from '../../gateway/core/errors';
import type { ModelRegistry } from '../../gateway/routing/model-registry';
import { ApiErrors } from '../api-error';
import { sendError, toPublicError } from '../middleware/error-handler';
import { ChunkSerializer, toChatCompletion } from '../openai/chat-completion-serializer';
import { SseResponse } from './sse-response';

export interface ChatCompletionsDeps {
  registry: ModelRegistry;
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

  /** Never rejects: every failure is written to `res` in OpenAI's error shape. */
  async handle(body: unknown, res: ServerResponse, requestId: string): Promise<void> {
    const started = performance.now();
    let model: ChatModel | undefined;
    let stream = false;
    const log = (status: number, usage: Usage | undefined, error?: GatewayError): void => {
      const level = error ? 'warn' : 'info';
      if (!this.deps.logger.isLevelEnabled(level)) return;
      const ms = Math.round((performance.now() - started) * 10) / 10;
      const fields = { requestId, provider: model?.provider, model: model?.modelId, stream, status, ms, usage, ...(error ? { error: error.message, code: error.code } : {}) };
      this.deps.logger[level](fields, error ? 'chat completion failed' : 'chat completion');
    };
    try {
      const request = parseChatRequest(body);
      stream = request.stream === true;
      model = await this.deps.registry.chatModel(request.model);
      res.setHeader('x-cb-provider', model.provider);
      res.setHeader('x-cb-model', model.modelId);
      const signal = abortOnClose(res);
      if (stream) return await this.stream(model, request, res, signal, requestId, log);
      const result = await model.generate(request, { signal, requestId });
      log(200, result.usage);
      const text = result.rawText ?? JSON.stringify(toChatCompletion(result, `chatcmpl-${requestId}`, nowSeconds()));
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    } catch (err) {
      const e = toPublicError(err, this.deps.redact);
      log(e.status, undefined, e);
      sendError(res, e, requestId, this.deps.logger, this.deps.redact);
    }
  }

  private async stream(
    model: ChatModel,
    request: ChatRequest,
    res: ServerResponse,
    signal: AbortSignal,
    requestId: string,
    log: (status: number, usage: Usage | undefined, error?: GatewayError) => void,
  ): Promise<void> {
    const sse = new SseResponse(res, this.deps.sseKeepAliveMs);
    const out = new ChunkSerializer(`chatcmpl-${requestId}`, model.modelId, nowSeconds(), request.stream_options?.include_usage === true);
    try {
      const stream = await model.stream(request, { signal, requestId });
      let flushed = false;
      for await (const part of stream) {
        const text = out.write(part);
        if (text === '') continue;
        await sse.write(text);
        if (!flushed) {
          // Let the first token leave now, even when the upstream delivered a burst of chunks at once.
          flushed = true;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      if (!out.complete) {
        throw new GatewayError({ status: 502, type: 'upstream_error', code: 'upstream_stream_incomplete', provider: model.provider, message: `${model.provider}: the upstream stream ended before the response was complete` });
      }
      log(200, out.usage);
      sse.end(out.end());
    } catch (err) {
      const e = toPublicError(err, this.deps.redact);
      if (!sse.started) {
        sse.stop();
        throw e;
      }
      log(e.status, out.usage, e);
      // After the first byte: end with an OpenAI-style error event, never splice or hang.
      sse.end(`data: ${JSON.stringify(e.toBody())}\n\n`);
    }
  }
}

export function parseChatRequest(body: unknown): ChatRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw GatewayError.invalidRequest('The request body must be a JSON object with "model" and "messages".', null, 'invalid_body');
  }
  const parsed = chatRequestSchema.safeParse(body);
  if (!parsed.success) throw ApiErrors.fromZod(parsed.error, 'chat completion request');
  const r = parsed.data;
  if (r.stream_options != null && r.stream !== true) {
    throw GatewayError.invalidRequest('stream_options is only allowed when stream is true', 'stream_options');
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
