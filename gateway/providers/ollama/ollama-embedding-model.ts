import type { CallOptions, EmbeddingModel, EmbeddingRequest, EmbeddingResult } from '../../core/chat-model';
import { GatewayErrors } from '../../core/errors';
import { jsonResponseHandler } from '../../http';
import { postOllama, type OllamaConfig } from './ollama-request';
import { ollamaEmbedResponseSchema } from './ollama-schemas';
import { ProviderModel } from '../provider-model';

const embedHandler = jsonResponseHandler(ollamaEmbedResponseSchema, 'embed response');

/**
 * Embeddings over Ollama's native `POST /api/embed` (`{model, input}` → `{embeddings, prompt_eval_count}`).
 * Token-array input → 400 (Ollama embeds text only). `dimensions` is forwarded (Ollama ≥ 0.11 truncates;
 * older servers ignore it).
 */
export class OllamaEmbeddingModel extends ProviderModel<OllamaConfig> implements EmbeddingModel {
  readonly kind = 'ollama' as const;

  async embed(request: EmbeddingRequest, options: CallOptions): Promise<EmbeddingResult> {
    const input = request.input;
    const isText = typeof input === 'string' || (Array.isArray(input) && input.every((x) => typeof x === 'string'));
    if (!isText) throw GatewayErrors.invalidRequest('Ollama embeds text only; token-array input is not supported', 'input');
    const body: Record<string, unknown> = { model: this.modelId, input };
    if (request.dimensions !== undefined) body['dimensions'] = request.dimensions;
    const { value } = await postOllama(this.config, '/api/embed', body, options, embedHandler);
    const prompt = value.prompt_eval_count ?? 0;
    return {
      model: value.model ?? this.modelId,
      data: value.embeddings.map((vector, index) => ({
        index,
        embedding: vector,
      })),
      usage: { promptTokens: prompt, totalTokens: prompt },
    };
  }
}
