import type { CallOptions, ChatModel, ChatStream, ProviderKind } from '../../core/chat-model';
import type { ChatRequest } from '../../core/chat-request';
import type { ChatResult, StreamPart } from '../../core/chat-result';
import { GatewayError } from '../../core/errors';
import { readText, splitUrl, sseEvents, tryParseJson, type UpstreamResponse, type UpstreamTarget, type UpstreamTimeouts, upstreamHttpError, upstreamRequest } from '../../http';
import { convertOpenAIUsage, convertToOpenAIRequest } from './convert-to-openai-messages';
import { mapOpenAIFinishReason } from './map-openai-finish-reason';
import { type OpenAIChunk, openaiChunkSchema, openaiErrorSchema, openaiResponseSchema } from './openai-schemas';

/** How to reach one OpenAI-compatible endpoint; Azure injects its own URL and headers. */
export interface OpenAICompatibleEndpoint {
  provider: string;
  kind: ProviderKind;
  /** Full chat-completions URL for a model id. */
  chatUrl(modelId: string): string;
  /** Headers for one call (auth picked per call so keys rotate). */
  headers(apiKey?: string): Record<string, string>;
  timeouts: UpstreamTimeouts;
}

export class OpenAIChatModel implements ChatModel {
  readonly provider: string;
  readonly kind: ProviderKind;
  private readonly url: UpstreamTarget;

  constructor(
    readonly modelId: string,
    private readonly endpoint: OpenAICompatibleEndpoint,
  ) {
    this.provider = endpoint.provider;
    this.kind = endpoint.kind;
    this.url = splitUrl(endpoint.chatUrl(modelId));
  }

  async generate(request: ChatRequest, options: CallOptions): Promise<ChatResult> {
    const res = await this.send(convertToOpenAIRequest(request, this.modelId, false), options);
    const text = await readText(res, this.provider, options.signal);
    const json = tryParseJson(text);
    const parsed = openaiResponseSchema.safeParse(json);
    if (!parsed.success) throw this.badResponse('response did not match the chat.completion shape');
    const r = parsed.data;
    return {
      id: r.id ?? undefined,
      model: r.model ?? this.modelId,
      created: r.created ?? undefined,
      systemFingerprint: r.system_fingerprint,
      serviceTier: r.service_tier,
      choices: r.choices.map((c, i) => {
        const toolCalls = (c.message.tool_calls ?? []).map((t) => ({ id: t.id, name: t.function.name, arguments: t.function.arguments ?? '' }));
        return {
          index: c.index ?? i,
          content: c.message.content ?? null,
          refusal: c.message.refusal ?? null,
          toolCalls,
          finishReason: mapOpenAIFinishReason(c.finish_reason, toolCalls.length > 0),
          logprobs: c.logprobs ?? null,
        };
      }),
      usage: convertOpenAIUsage(r.usage),
      rawText: text,
      headers: res.headers,
    };
  }

  async stream(request: ChatRequest, options: CallOptions): Promise<ChatStream> {
    const res = await this.send(convertToOpenAIRequest(request, this.modelId, true), options);
    const provider = this.provider;
    const badResponse = (m: string) => this.badResponse(m);
    async function* parts(): AsyncGenerator<StreamPart> {
      const state = new ChunkState();
      for await (const ev of sseEvents(res, provider, options.signal)) {
        if (ev.data === '[DONE]') break;
        const json = tryParseJson(ev.data);
        const chunk = openaiChunkSchema.safeParse(json);
        if (!chunk.success) throw badResponse('stream chunk did not match the chat.completion.chunk shape');
        if (chunk.data.error !== undefined) throw midStreamError(provider, chunk.data.error);
        yield* state.partsOf(chunk.data);
      }
      yield* state.end();
    }
    return Object.assign(parts(), { headers: res.headers });
  }

  private async send(body: Record<string, unknown>, options: CallOptions): Promise<UpstreamResponse> {
    const res = await upstreamRequest({
      provider: this.provider,
      url: this.url,
      headers: this.endpoint.headers(options.apiKey),
      body,
      signal: options.signal,
      timeouts: this.endpoint.timeouts,
    });
    if (res.status >= 200 && res.status < 300) return res;
    const text = await readText(res, this.provider, options.signal).catch(() => '');
    const err = openaiErrorSchema.safeParse(tryParseJson(text));
    const e = err.success ? err.data.error : undefined;
    const detail = typeof e === 'string' ? { message: e } : e;
    throw upstreamHttpError({
      provider: this.provider,
      status: res.status,
      headers: res.headers,
      message: detail?.message ?? undefined,
      code: detail?.code == null ? null : String(detail.code),
      param: detail?.param ?? null,
      rawText: text,
    });
  }

  private badResponse(message: string): GatewayError {
    return new GatewayError({ status: 502, type: 'upstream_error', code: 'bad_upstream_response', message: `${this.provider}: ${message}`, provider: this.provider, retryable: true });
  }
}

/** Tracks tool-call indices and finish state across chunks of one stream. */
class ChunkState {
  private metadataSent = false;
  private readonly toolCallsSeen = new Set<number>();
  private readonly finished = new Set<number>();
  private usage: StreamPart | undefined;

  *partsOf(c: OpenAIChunk): Generator<StreamPart> {
    if (!this.metadataSent) {
      this.metadataSent = true;
      yield { type: 'metadata', id: c.id ?? undefined, model: c.model ?? undefined, created: c.created ?? undefined, systemFingerprint: c.system_fingerprint };
    }
    for (const choice of c.choices) {
      const d = choice.delta;
      const i = choice.index;
      if (d?.content) yield { type: 'text-delta', choice: i, delta: d.content };
      if (d?.refusal) yield { type: 'refusal-delta', choice: i, delta: d.refusal };
      for (const [pos, tc] of (d?.tool_calls ?? []).entries()) {
        const index = tc.index ?? pos;
        const key = i * 10_000 + index;
        if (!this.toolCallsSeen.has(key)) {
          this.toolCallsSeen.add(key);
          yield { type: 'tool-call-start', choice: i, index, id: tc.id ?? `call_${index}`, name: tc.function?.name ?? '' };
        }
        if (tc.function?.arguments) yield { type: 'tool-call-delta', choice: i, index, argumentsDelta: tc.function.arguments };
      }
      if (choice.finish_reason != null && !this.finished.has(i)) {
        this.finished.add(i);
        const sawTools = [...this.toolCallsSeen].some((k) => Math.floor(k / 10_000) === i);
        yield { type: 'finish', choice: i, finishReason: mapOpenAIFinishReason(choice.finish_reason, sawTools) };
      }
    }
    const usage = convertOpenAIUsage(c.usage);
    if (usage) this.usage = { type: 'usage', usage };
  }

  *end(): Generator<StreamPart> {
    if (this.usage) yield this.usage;
  }
}

function midStreamError(provider: string, error: unknown): GatewayError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { message?: unknown; code?: unknown };
  const msg = typeof e.message === 'string' ? e.message : 'upstream stream error';
  const status = typeof e.code === 'number' && e.code >= 400 && e.code < 600 ? e.code : 502;
  return new GatewayError({ status, message: `${provider}: ${msg}`, provider, code: 'upstream_stream_error' });
}
