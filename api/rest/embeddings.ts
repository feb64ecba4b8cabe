import { invalidRequestFromZod } from '../../gateway/core/zod-issues';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { ModelRegistry } from '../../gateway/routing/model-registry';
import { abortOnClose } from './chat-completions';

const embeddingRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1).max(2048),
    z.array(z.number().int()).min(1),
    z.array(z.array(z.number().int()).min(1)).min(1).max(2048),
  ]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().optional(),
});

/** OpenAI's `encoding_format: "base64"`: little-endian float32 bytes, base64. */
export function toBase64Float32(vector: readonly number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}

/** `POST /v1/embeddings`. Providers return floats; base64 is encoded here unless the upstream already did. */
export function embeddingsHandler(registry: ModelRegistry) {
  return async (req: Request, res: Response): Promise<void> => {
    const parsed = embeddingRequestSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw invalidRequestFromZod(parsed.error, 'embeddings request');
    const { model: name, input, encoding_format, dimensions, user } = parsed.data;
    const model = await registry.embeddingModel(name);
    res.setHeader('x-cb-provider', model.provider);
    res.setHeader('x-cb-model', model.modelId);
    const result = await model.embed({ model: name, input, encoding_format, dimensions, user }, { signal: abortOnClose(res) });
    res.json({
      object: 'list',
      data: result.data.map((d) => ({
        object: 'embedding',
        index: d.index,
        embedding: encoding_format === 'base64' && typeof d.embedding !== 'string' ? toBase64Float32(d.embedding) : d.embedding,
      })),
      model: result.model,
      usage: { prompt_tokens: result.usage.promptTokens, total_tokens: result.usage.totalTokens },
    });
  };
}
