import type { CallOptions, ChatModel, ChatStream, ProviderKind } from '../../core/chat-model';
import type { ChatRequest } from '../../core/chat-request';
import type { ChatResult } from '../../core/chat-result';
import { chatStream, jsonResponseHandler, postJson, type PostJsonRequest, splitUrl, streamResponseHandler, type UpstreamTarget, type UpstreamTimeouts } from '../../http';
import { convertOpenAIUsage, convertToOpenAIRequest } from './convert-to-openai-messages';
import { mapOpenAIFinishReason } from './map-openai-finish-reason';
import { openaiHttpError } from './openai-error';
import { openaiResponseSchema } from './openai-schemas';
import { openaiStreamParts } from './openai-stream';

/** How to reach one OpenAI-compatible endpoint; Azure injects its own URL and headers. */
export interface OpenAICompatibleEndpoint {
  provider: string;
  kind: ProviderKind;
  /** Full chat-completions URL for a model id. */
  chatUrl(modelId: string): string;
  /** Headers for one call (auth picked per call so keys rotate). */
  headers(apiKey?: string): Record<string, string>;
  /** Top-level request fields this endpoint accepts (see openai-request-fields). */
  requestFields: ReadonlySet<string>;
  timeouts: UpstreamTimeouts;
}

const chatCompletionHandler = jsonResponseHandler(openaiResponseSchema, 'response (chat.completion)');

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
    const { value: r, rawText, headers } = await postJson(this.call(request, false, options, chatCompletionHandler));
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
      rawText,
      headers,
    };
  }

  async stream(request: ChatRequest, options: CallOptions): Promise<ChatStream> {
    const res = await postJson(this.call(request, true, options, streamResponseHandler));
    return chatStream({ provider: this.provider, headers: res.headers, response: res, parts: openaiStreamParts(res, this.provider, options.signal) });
  }

  private call<T>(request: ChatRequest, stream: boolean, options: CallOptions, successfulResponseHandler: PostJsonRequest<T>['successfulResponseHandler']): PostJsonRequest<T> {
    return {
      provider: this.provider,
      url: this.url,
      headers: this.endpoint.headers(options.apiKey),
      body: convertToOpenAIRequest(request, this.modelId, stream, this.endpoint.requestFields),
      signal: options.signal,
      timeouts: this.endpoint.timeouts,
      failedResponseHandler: openaiHttpError,
      successfulResponseHandler,
    };
  }
}
