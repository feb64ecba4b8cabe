import type { CallOptions, EmbeddingModel, EmbeddingRequest, EmbeddingResult } from '../../core/chat-model';
import { GatewayErrors } from '../../core/errors';
import { jsonResponseHandler, postJson } from '../../http/post-json';
import { googleModelPath, type GoogleModelConfig } from './google-config';
import { googleHttpError } from './google-error';
import { googleBatchEmbedResponseSchema } from './google-schemas';
import { ProviderModel } from '../provider-model';

const batchEmbedHandler = jsonResponseHandler(googleBatchEmbedResponseSchema, 'batchEmbedContents response');

/** batchEmbedContents accepts at most 100 requests per call. */
export const GOOGLE_EMBED_BATCH = 100;

/**
 * Gemini embeddings via `:batchEmbedContents` → OpenAI-like data list. Text input only (token-id arrays
 * are a 400 naming `input`); `dimensions` → `outputDimensionality`; `encoding_format: base64` encodes
 * little-endian float32 like OpenAI. Gemini reports no usage for embeddings, so tokens are estimated
 * (~4 characters per token) unless usageMetadata is present.
 */
export class GoogleEmbeddingModel extends ProviderModel<GoogleModelConfig> implements EmbeddingModel {
  readonly kind = 'google' as const;

  async embed(request: EmbeddingRequest, options: CallOptions): Promise<EmbeddingResult> {
    const inputs = textInputs(request.input);
    const vectors: number[][] = [];
    let reportedTokens: number | undefined;
    for (let start = 0; start < inputs.length; start += GOOGLE_EMBED_BATCH) {
      const batch = inputs.slice(start, start + GOOGLE_EMBED_BATCH);
      const { embeddings, tokens } = await this.batchEmbed(batch, request.dimensions, options);
      vectors.push(...embeddings);
      if (tokens !== undefined) reportedTokens = (reportedTokens ?? 0) + tokens;
    }
    const promptTokens = reportedTokens ?? inputs.reduce((n, s) => n + estimateTokens(s), 0);
    return {
      model: this.modelId,
      data: vectors.map((v, index) => ({ index, embedding: v })),
      usage: { promptTokens, totalTokens: promptTokens },
    };
  }

  private async batchEmbed(
    texts: string[],
    dimensions: number | undefined,
    options: CallOptions,
  ): Promise<{ embeddings: number[][]; tokens: number | undefined }> {
    const model = googleModelPath(this.modelId);
    const { value } = await postJson({
      provider: this.provider,
      url: `${this.config.apiBase}/${model}:batchEmbedContents`,
      headers: this.config.headers(options.apiKey),
      body: {
        requests: texts.map((text) => ({
          model: decodeURIComponent(model),
          content: { parts: [{ text }] },
          ...(dimensions !== undefined ? { outputDimensionality: dimensions } : {}),
        })),
      },
      signal: options.signal,
      timeouts: this.config.timeouts,
      failedResponseHandler: googleHttpError,
      successfulResponseHandler: batchEmbedHandler,
    });
    if (value.embeddings.length !== texts.length) {
      throw GatewayErrors.invalidUpstreamResponse(this.provider, `batchEmbedContents returned ${value.embeddings.length} embeddings for ${texts.length} inputs`);
    }
    return {
      embeddings: value.embeddings.map((e) => e.values),
      tokens: value.usageMetadata?.promptTokenCount ?? undefined,
    };
  }
}

function textInputs(input: EmbeddingRequest['input']): string[] {
  const list: unknown[] = Array.isArray(input) ? input : [input];
  if (list.length === 0) throw GatewayErrors.invalidRequest('input must not be empty', 'input');
  if (!list.every((x): x is string => typeof x === 'string')) {
    throw GatewayErrors.invalidRequest('google embeddings take text input only, not token arrays', 'input');
  }
  return list;
}

export function estimateTokens(text: string): number {
  return text === '' ? 0 : Math.max(1, Math.ceil(text.length / 4));
}
