import { z } from 'zod';
import type { CallOptions, EmbeddingModel, EmbeddingRequest, EmbeddingResult, ProviderKind } from '../../core/chat-model';
import { jsonResponseHandler, postJson } from '../../http';
import type { OpenAICompatibleEndpoint } from './openai-chat-model';
import { openaiHttpError } from './openai-error';

const embeddingResponseSchema = z.looseObject({
  model: z.string().nullish(),
  data: z.array(z.looseObject({ index: z.number(), embedding: z.union([z.array(z.number()), z.string()]) })),
  usage: z.looseObject({ prompt_tokens: z.number().nullish(), total_tokens: z.number().nullish() }).nullish(),
});
const embeddingHandler = jsonResponseHandler(embeddingResponseSchema, 'embeddings response');

/** `/embeddings` on an OpenAI-compatible endpoint (OpenAI, Azure, custom). */
export class OpenAIEmbeddingModel implements EmbeddingModel {
  readonly provider: string;
  readonly kind: ProviderKind;
  constructor(
    readonly modelId: string,
    private readonly endpoint: OpenAICompatibleEndpoint & { embeddingsUrl(modelId: string): string },
  ) {
    this.provider = endpoint.provider;
    this.kind = endpoint.kind;
  }

  async embed(request: EmbeddingRequest, options: CallOptions): Promise<EmbeddingResult> {
    const { value } = await postJson({
      provider: this.provider,
      url: this.endpoint.embeddingsUrl(this.modelId),
      headers: this.endpoint.headers(options.apiKey),
      body: { ...request, model: this.modelId },
      signal: options.signal,
      timeouts: this.endpoint.timeouts,
      failedResponseHandler: openaiHttpError,
      successfulResponseHandler: embeddingHandler,
    });
    const prompt = value.usage?.prompt_tokens ?? 0;
    return {
      model: value.model ?? this.modelId,
      data: value.data.map((d) => ({ index: d.index, embedding: d.embedding })),
      usage: { promptTokens: prompt, totalTokens: value.usage?.total_tokens ?? prompt },
    };
  }
}
