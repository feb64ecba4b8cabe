import { z } from 'zod';

/**
 * Zod schemas of what Ollama's native API (`/api/chat`, `/api/embed`, `/api/tags`) sends back. Loose objects:
 * Ollama adds fields (durations, `thinking`, `logprobs`, …) between releases and they must not break parsing.
 */

/** A tool call the model made. `arguments` is an object on the native API (a string only on `/v1`). */
export const ollamaToolCallSchema = z.looseObject({
  /** Newer Ollama releases send an id; older ones none. */
  id: z.string().nullish(),
  function: z.looseObject({
    index: z.number().int().nullish(),
    name: z.string(),
    arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).nullish(),
  }),
});
export type OllamaToolCall = z.infer<typeof ollamaToolCallSchema>;

export const ollamaResponseMessageSchema = z.looseObject({
  role: z.string().nullish(),
  content: z.string().nullish(),
  /** Reasoning text of thinking models; the canonical stream has no part for it, so it is not forwarded. */
  thinking: z.string().nullish(),
  tool_calls: z.array(ollamaToolCallSchema).nullish(),
});

/** One `/api/chat` response: the whole answer (`stream:false`) or one NDJSON line of a stream. */
export const ollamaChatChunkSchema = z.looseObject({
  model: z.string().nullish(),
  created_at: z.string().nullish(),
  message: ollamaResponseMessageSchema.nullish(),
  done: z.boolean(),
  done_reason: z.string().nullish(),
  /** Absent when the whole prompt came from Ollama's KV cache. */
  prompt_eval_count: z.number().int().nullish(),
  eval_count: z.number().int().nullish(),
});
export type OllamaChatChunk = z.infer<typeof ollamaChatChunkSchema>;

/** Every Ollama error body, HTTP or an NDJSON line mid-stream (status 200): `{"error":"…"}`. */
export const ollamaErrorSchema = z.looseObject({ error: z.string() });

export const ollamaEmbedResponseSchema = z.looseObject({
  model: z.string().nullish(),
  embeddings: z.array(z.array(z.number())),
  prompt_eval_count: z.number().int().nullish(),
});

export const ollamaTagsResponseSchema = z.looseObject({
  models: z
    .array(
      z.looseObject({
        name: z.string().min(1),
        model: z.string().nullish(),
        modified_at: z.string().nullish(),
      }),
    )
    .nullish(),
});

/** The `error` text of an Ollama error body, when the text is one. */
export function parseOllamaError(value: unknown): string | undefined {
  const parsed = ollamaErrorSchema.safeParse(value);
  return parsed.success ? parsed.data.error : undefined;
}

/** Seconds since the epoch from Ollama's RFC 3339 (nanosecond) timestamps; undefined when unparseable. */
export function ollamaTimestamp(value: string | null | undefined): number | undefined {
  if (value == null) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}
