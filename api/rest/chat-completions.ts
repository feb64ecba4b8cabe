import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { ChatModel } from '../../gateway/core/chat-model';
import { type ChatRequest, chatRequestSchema } from '../../gateway/core/chat-request';
import type { Usage } from '../../gateway/core/chat-result';
import { GatewayError } from '../../gateway/core/errors';
import type { ModelRegistry } from '../../gateway/routing/model-registry';
import { ApiErrors } from '../api-error';
import { toPublicError } from '../middleware/error-handler';
import { ChunkSerializer, toChatCompletion } from '../openai/chat-completion-serializer';
import { SseResponse } from './sse-response';

export interface ChatCompletionsDeps {
  registry: ModelRegistry;
  logger: Logger;
  sseKeepAliveMs: number;
  redact: (text: string) => string;
}

/** `POST /v1/chat/completions`: validate, resolve the model, call it, answer in OpenAI's exact shape. */
export function chatCompletionsHandler(deps: ChatCompletionsDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const request = parseChatRequest(req.body);
    const model = await deps.registry.chatModel(request.model);
    res.setHeader('x-cb-provider', model.provider);
    res.setHeader('x-cb-model', model.modelId);
    const abort = abortOnClose(res);
    const started = performance.now();
    const requestId = String(res.locals.requestId);
    const log = (status: number, usage: Usage | undefined, error?: GatewayError): void => {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      const fields = { requestId, provider: model.provider, model: model.modelId, stream: request.stream === true, status, ms, usage, ...(error ? { error: error.message, code: error.code } : {}) };
      if (error) deps.logger.warn(fields, 'chat completion failed');
      else deps.logger.info(fields, 'chat completion');
    };
    if (request.stream === true) {
      await streamCompletion(deps, model, request, res, abort.signal, requestId, log);
      return;
    }
    try {
      const result = await model.generate(request, { signal: abort.signal, requestId });
      log(200, result.usage);
      res.json(toChatCompletion(result, `chatcmpl-${requestId}`, nowSeconds()));
    } catch (err) {
      const e = toPublicError(err, deps.redact);
      log(e.status, undefined, e);
      throw e;
    }
  };
}

async function streamCompletion(
  deps: ChatCompletionsDeps,
  model: ChatModel,
  request: ChatRequest,
  res: Response,
  signal: AbortSignal,
  requestId: string,
  log: (status: number, usage: Usage | undefined, error?: GatewayError) => void,
): Promise<void> {
  const sse = new SseResponse(res, deps.sseKeepAliveMs);
  const out = new ChunkSerializer(`chatcmpl-${requestId}`, model.modelId, nowSeconds(), request.stream_options?.include_usage === true);
  try {
    const stream = await model.stream(request, { signal, requestId });
    for await (const part of stream) {
      const text = out.write(part);
      if (text !== '') await sse.write(text);
    }
    if (!out.complete) {
      throw new GatewayError({ status: 502, type: 'upstream_error', code: 'upstream_stream_incomplete', provider: model.provider, message: `${model.provider}: the upstream stream ended before the response was complete` });
    }
    log(200, out.usage);
    sse.end(out.end());
  } catch (err) {
    const e = toPublicError(err, deps.redact);
    log(e.status, out.usage, e);
    if (!sse.started) {
      sse.stop();
      throw e;
    }
    // After the first byte: end with an OpenAI-style error event, never splice or hang.
    sse.end(`data: ${JSON.stringify(e.toBody())}\n\n`);
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
export function abortOnClose(res: Response): AbortController {
  const abort = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  return abort;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
