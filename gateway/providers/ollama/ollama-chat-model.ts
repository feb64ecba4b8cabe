import { randomBytes } from 'node:crypto';
import type { CallOptions, ChatModel, ChatStream } from '../../core/chat-model';
import type { ChatRequest } from '../../core/chat-request';
import { makeUsage, type ChatResult, type ResultToolCall, type StreamPart } from '../../core/chat-result';
import { chatStream, jsonResponseHandler, ndjsonLines, parseStreamEvent, streamResponseHandler, tryParseJson, type UpstreamResponse } from '../../http';
import { convertToOllamaChatRequest } from './convert-to-ollama-messages';
import { mapOllamaFinishReason } from './map-ollama-finish-reason';
import { headersOfInterest, ollamaErrorInBody, postOllama, type OllamaConfig } from './ollama-request';
import { ollamaChatChunkSchema, ollamaTimestamp, type OllamaChatChunk, type OllamaToolCall } from './ollama-schemas';
import { ProviderModel } from '../provider-model';

/** Chat over Ollama's native `POST /api/chat` (one JSON object with `stream:false`, NDJSON otherwise). */
export class OllamaChatModel extends ProviderModel<OllamaConfig> implements ChatModel {
  readonly kind = 'ollama' as const;

  async generate(request: ChatRequest, options: CallOptions): Promise<ChatResult> {
    const body = convertToOllamaChatRequest(request, this.modelId, false);
    const errorInBody = (json: unknown) => ollamaErrorInBody(this.provider, json);
    const { value: chunk } = await postOllama(this.config, '/api/chat', body, options, jsonResponseHandler(ollamaChatChunkSchema, 'chat response', errorInBody));
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
    const res = await postOllama(this.config, '/api/chat', body, options, streamResponseHandler);
    return chatStream({ provider: this.provider, headers: headersOfInterest(res.headers), response: res, parts: this.streamParts(res, options.signal) });
  }

  /** NDJSON lines → parts; the `done` line carries the finish (the stream skeleton fails a stream without it). */
  private async *streamParts(res: UpstreamResponse, signal: AbortSignal | undefined): AsyncGenerator<StreamPart> {
    let started = false;
    let finished = false;
    let toolIndex = 0;
    for await (const line of ndjsonLines(res, this.provider, signal)) {
      if (finished) continue; // drain so the connection can be reused
      const json = tryParseJson(line);
      const upstreamError = ollamaErrorInBody(this.provider, json);
      if (upstreamError !== undefined) throw upstreamError;
      const chunk = parseStreamEvent(ollamaChatChunkSchema, json, this.provider, 'stream line');
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
