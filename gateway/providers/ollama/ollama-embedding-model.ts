import type { CallOptions, EmbeddingModel, EmbeddingRequest, EmbeddingResult } from '../../core/chat-model';
import { GatewayError } from '../../core/errors';
import { readText, tryParseJson } from '../../http';
import { postOllama, type OllamaConfig } from './ollama-request';
import { ollamaEmbedResponseSchema } from './ollama-schemas';

/**
 * Embeddings over Ollama's native `POST /api/embed` (`{model, input}` → `{embeddings, prompt_eval_count}`).
 * Token-array input → 400 (Ollama embeds text only). `dimensions` is forwarded (Ollama ≥ 0.11 truncates;
 * older servers ignore it).
 */
export class OllamaEmbeddingModel implements EmbeddingModel {
  readonly kind = 'ollama' as const;

  constructor(
    readonly modelId: string,
    private readonly config: OllamaConfig,
  ) {}

  get provider(): string {
    return this.config.settings.name;
  }

  async embed(request: EmbeddingRequest, options: CallOptions): Promise<EmbeddingResult> {
    const input = request.input;
    const isText = typeof input === 'string' || (Array.isArray(input) && input.every((x) => typeof x === 'string'));
    if (!isText) throw GatewayError.invalidRequest('Ollama embeds text only; token-array input is not supported', 'input');
    const body: Record<string, unknown> = { model: this.modelId, input };
    if (request.dimensions !== undefined) body['dimensions'] = request.dimensions;
    const res = await postOllama(this.config, '/api/embed', body, options);
    const parsed = ollamaEmbedResponseSchema.safeParse(tryParseJson(await readText(res, this.provider, options.signal)));
    if (!parsed.success) {
      throw new GatewayError({
        status: 502,
        type: 'upstream_error',
        code: 'malformed_response',
        message: `${this.provider}: malformed Ollama embed response`,
        provider: this.provider,
      });
    }
    const prompt = parsed.data.prompt_eval_count ?? 0;
    return {
      model: parsed.data.model ?? this.modelId,
      data: parsed.data.embeddings.map((vector, index) => ({
        index,
        embedding: vector,
      })),
      usage: { promptTokens: prompt, totalTokens: prompt },
    };
  }
}
