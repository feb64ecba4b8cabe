import { z } from 'zod';

/**
 * Zod schemas of what the Gemini API (Generative Language v1beta) sends back. Upstream JSON is parsed only
 * through these; every object is loose so fields Google adds later do not break parsing.
 */

const functionCallSchema = z.looseObject({
  /** Sometimes present on newer models; we generate `call_<random>` ids otherwise. */
  id: z.string().nullish(),
  name: z.string(),
  args: z.record(z.string(), z.unknown()).nullish(),
});

export const googlePartSchema = z.looseObject({
  text: z.string().nullish(),
  /** True for thought summaries (reasoning); never surfaced as answer text. */
  thought: z.boolean().nullish(),
  thoughtSignature: z.string().nullish(),
  functionCall: functionCallSchema.nullish(),
});
export type GooglePart = z.infer<typeof googlePartSchema>;

export const googleCandidateSchema = z.looseObject({
  content: z.looseObject({ role: z.string().nullish(), parts: z.array(googlePartSchema).nullish() }).nullish(),
  finishReason: z.string().nullish(),
  index: z.number().int().nullish(),
});
export type GoogleCandidate = z.infer<typeof googleCandidateSchema>;

export const googleUsageSchema = z.looseObject({
  promptTokenCount: z.number().nullish(),
  candidatesTokenCount: z.number().nullish(),
  thoughtsTokenCount: z.number().nullish(),
  cachedContentTokenCount: z.number().nullish(),
  toolUsePromptTokenCount: z.number().nullish(),
  totalTokenCount: z.number().nullish(),
});
export type GoogleUsage = z.infer<typeof googleUsageSchema>;

/** A generateContent response, and equally one streamed SSE event of streamGenerateContent. */
export const googleResponseSchema = z.looseObject({
  candidates: z.array(googleCandidateSchema).nullish(),
  promptFeedback: z.looseObject({ blockReason: z.string().nullish() }).nullish(),
  usageMetadata: googleUsageSchema.nullish(),
  modelVersion: z.string().nullish(),
  responseId: z.string().nullish(),
});
export type GoogleResponse = z.infer<typeof googleResponseSchema>;

/** `{error:{code,message,status,details}}`; details carry e.g. RetryInfo and ErrorInfo (reason API_KEY_INVALID). */
export const googleErrorSchema = z.looseObject({
  error: z.looseObject({
    code: z.number().nullish(),
    message: z.string().nullish(),
    status: z.string().nullish(),
    details: z
      .array(
        z.looseObject({
          '@type': z.string().nullish(),
          reason: z.string().nullish(),
          retryDelay: z.string().nullish(),
        }),
      )
      .nullish(),
  }),
});
export type GoogleErrorBody = z.infer<typeof googleErrorSchema>;

export const googleBatchEmbedResponseSchema = z.looseObject({
  embeddings: z.array(z.looseObject({ values: z.array(z.number()) })),
  usageMetadata: z.looseObject({ promptTokenCount: z.number().nullish() }).nullish(),
});
