import { z } from 'zod';
import type { CallOptions, EmbeddingModel, EmbeddingRequest, EmbeddingResult, ProviderKind } from '../../core/chat-model';
import { GatewayError } from '../../core/errors';
import { readText, tryParseJson, upstreamHttpError, upstreamRequest } from '../../http';
import type { OpenAICompatibleEndpoint } from './openai-chat-model';
import { openaiErrorSchema } from './openai-schemas';

const embeddingResponseSchema = z.looseObject({
  model: z.string().nullish(),
  data: z.array(z.looseObject({ index: z.number(), embedding: z.union([z.array(z.number()), z.string()]) })),
  usage: z.looseObject({ prompt_tokens: z.number().nullish(), total_tokens: z.number().nullish() }).nullish(),
});

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
    const res = await upstreamRequest({
      provider: this.provider,
      url: this.endpoint.embeddingsUrl(this.modelId),
      headers: this.endpoint.headers(options.apiKey),
      body: { ...request, model: this.modelId },
      signal: options.signal,
      timeouts: this.endpoint.timeouts,
    });
    const text = await readText(res, this.provider, options.signal);
    const json = tryParseJson(text);
    if (res.status < 200 || res.status >= 300) {
      const err = openaiErrorSchema.safeParse(json);
      const e = err.success ? err.data.error : undefined;
      throw upstreamHttpError({ provider: this.provider, status: res.status, headers: res.headers, message: typeof e === 'string' ? e : (e?.message ?? undefined), rawText: text });
    }
    const parsed = embeddingResponseSchema.safeParse(json);
    if (!parsed.success) {
      throw new GatewayError({ status: 502, type: 'upstream_error', code: 'bad_upstream_response', message: `${this.provider}: embeddings response did not match the expected shape`, provider: this.provider });
    }
    const prompt = parsed.data.usage?.prompt_tokens ?? 0;
    return {
      model: parsed.data.model ?? this.modelId,
      data: parsed.data.data.map((d) => ({ index: d.index, embedding: d.embedding })),
      usage: { promptTokens: prompt, totalTokens: parsed.data.usage?.total_tokens ?? prompt },
    };
  }
}
