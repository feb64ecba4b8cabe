import { randomBytes } from 'node:crypto';
import type { CallOptions, ChatModel, ChatStream } from '../../core/chat-model';
import type { ChatRequest } from '../../core/chat-request';
import { makeUsage, type ChatResult, type ResultToolCall, type StreamPart } from '../../core/chat-result';
import { GatewayError } from '../../core/errors';
import { ndjsonLines, readText, tryParseJson, type UpstreamResponse } from '../../http';
import { convertToOllamaChatRequest } from './convert-to-ollama-messages';
import { mapOllamaFinishReason } from './map-ollama-finish-reason';
import { headersOfInterest, postOllama, type OllamaConfig } from './ollama-request';
import { ollamaChatChunkSchema, ollamaTimestamp, parseOllamaError, type OllamaChatChunk, type OllamaToolCall } from './ollama-schemas';

/** Chat over Ollama's native `POST /api/chat` (one JSON object with `stream:false`, NDJSON otherwise). */
export class OllamaChatModel implements ChatModel {
  readonly kind = 'ollama' as const;

  constructor(
    readonly modelId: string,
    private readonly config: OllamaConfig,
  ) {}

  get provider(): string {
    return this.config.settings.name;
  }

  async generate(request: ChatRequest, options: CallOptions): Promise<ChatResult> {
    const body = convertToOllamaChatRequest(request, this.modelId, false);
    const res = await postOllama(this.config, '/api/chat', body, options);
    const text = await readText(res, this.provider, options.signal);
    const json = tryParseJson(text);
    const upstreamError = parseOllamaError(json);
    if (upstreamError !== undefined) throw this.midStreamError(upstreamError);
    const parsed = ollamaChatChunkSchema.safeParse(json);
    if (!parsed.success) throw this.malformed('response');
    const chunk = parsed.data;
    const toolCalls = (chunk.message?.tool_calls ?? []).map(toResultToolCall);
    const content = chunk.message?.content ?? '';
    return {
      model: chunk.model ?? this.modelId,
      ...optionalCreated(chunk),
      choices: [
        {
          index: 0,
          content: content === '' && toolCalls.length > 0 ? null : content,
          toolCalls,
          finishReason: mapOllamaFinishReason(chunk.done_reason, toolCalls.length > 0),
        },
      ],
      usage: makeUsage(chunk.prompt_eval_count ?? 0, chunk.eval_count ?? 0),
    };
  }

  async stream(request: ChatRequest, options: CallOptions): Promise<ChatStream> {
    const body = convertToOllamaChatRequest(request, this.modelId, true);
    const res = await postOllama(this.config, '/api/chat', body, options);
    const parts = this.streamParts(res, options.signal);
    return { headers: headersOfInterest(res.headers), [Symbol.asyncIterator]: () => parts };
  }

  private async *streamParts(res: UpstreamResponse, signal: AbortSignal | undefined): AsyncGenerator<StreamPart> {
    let started = false;
    let finished = false;
    let toolIndex = 0;
    try {
      for await (const line of ndjsonLines(res, this.provider, signal)) {
        if (finished) continue; // drain so the connection can be reused
        const json = tryParseJson(line);
        const upstreamError = parseOllamaError(json);
        if (upstreamError !== undefined) throw this.midStreamError(upstreamError);
        const parsed = ollamaChatChunkSchema.safeParse(json);
        if (!parsed.success) throw this.malformed('stream line');
        const chunk = parsed.data;
        if (!started) {
          started = true;
          yield { type: 'metadata', model: chunk.model ?? this.modelId, ...optionalCreated(chunk) };
        }
        const content = chunk.message?.content ?? '';
        if (content !== '') yield { type: 'text-delta', choice: 0, delta: content };
        // Ollama sends each tool call whole, in one line: start + one delta with all of the argument JSON.
        for (const call of chunk.message?.tool_calls ?? []) {
          const tc = toResultToolCall(call);
          const index = toolIndex++;
          yield { type: 'tool-call-start', choice: 0, index, id: tc.id, name: tc.name };
          yield { type: 'tool-call-delta', choice: 0, index, argumentsDelta: tc.arguments };
        }
        if (chunk.done) {
          finished = true;
          yield { type: 'finish', choice: 0, finishReason: mapOllamaFinishReason(chunk.done_reason, toolIndex > 0) };
          yield { type: 'usage', usage: makeUsage(chunk.prompt_eval_count ?? 0, chunk.eval_count ?? 0) };
        }
      }
    } finally {
      if (!res.body.destroyed && !finished) res.body.destroy();
    }
    if (!finished) {
      throw new GatewayError({
        status: 502,
        type: 'upstream_error',
        code: 'stream_truncated',
        message: `${this.provider}: stream ended before the final (done) line`,
        provider: this.provider,
      });
    }
  }

  private midStreamError(message: string): GatewayError {
    return new GatewayError({ status: 502, type: 'upstream_error', message: `${this.provider}: ${message}`, provider: this.provider });
  }

  private malformed(what: string): GatewayError {
    return new GatewayError({
      status: 502,
      type: 'upstream_error',
      code: 'malformed_response',
      message: `${this.provider}: malformed Ollama ${what}`,
      provider: this.provider,
    });
  }
}

/** Ollama tool calls carry argument objects and (mostly) no id: stringify, and make an OpenAI-style id. */
export function toResultToolCall(call: OllamaToolCall): ResultToolCall {
  const args = call.function.arguments;
  return {
    id: call.id != null && call.id !== '' ? call.id : `call_${randomBytes(12).toString('hex')}`,
    name: call.function.name,
    arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}),
  };
}

function optionalCreated(chunk: OllamaChatChunk): { created?: number } {
  const created = ollamaTimestamp(chunk.created_at);
  return created === undefined ? {} : { created };
}
