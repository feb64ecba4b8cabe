import { z } from 'zod';

/**
 * Zod schemas of what Anthropic's Messages API sends back: responses, stream events, error bodies.
 * Upstream JSON is parsed only through these. Objects are loose so new fields never break us; content
 * block and delta types we do not translate (thinking, server tools, citations…) pass as `unknown` blocks.
 */

const nullableCount = z.number().int().nonnegative().nullish();

export const anthropicUsageSchema = z.looseObject({
  input_tokens: nullableCount,
  output_tokens: nullableCount,
  cache_creation_input_tokens: nullableCount,
  cache_read_input_tokens: nullableCount,
  output_tokens_details: z.looseObject({ thinking_tokens: nullableCount }).nullish(),
});
export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;

const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() });
const toolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string(),
  name: z.string(),
  input: z.unknown(),
});
/** Any other block (thinking, redacted_thinking, server_tool_use, web_search_tool_result, …): ignored. */
const otherBlock = z.looseObject({ type: z.string() });
export const anthropicContentBlockSchema = z.union([textBlock, toolUseBlock, otherBlock]);
export type AnthropicContentBlock = z.infer<typeof anthropicContentBlockSchema>;

export const anthropicMessageSchema = z.looseObject({
  id: z.string(),
  type: z.literal('message'),
  role: z.literal('assistant'),
  model: z.string(),
  content: z.array(anthropicContentBlockSchema),
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
  usage: anthropicUsageSchema.nullish(),
});
export type AnthropicMessage = z.infer<typeof anthropicMessageSchema>;

export const anthropicErrorSchema = z.looseObject({
  type: z.literal('error'),
  error: z.looseObject({ type: z.string(), message: z.string() }),
});
export type AnthropicErrorBody = z.infer<typeof anthropicErrorSchema>;

const textDelta = z.looseObject({ type: z.literal('text_delta'), text: z.string() });
const inputJsonDelta = z.looseObject({ type: z.literal('input_json_delta'), partial_json: z.string() });
const otherDelta = z.looseObject({ type: z.string() });

/** One SSE `data:` payload, discriminated by its `type` (which equals the SSE `event:` name). */
export const anthropicStreamEventSchema = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('message_start'),
    message: z.looseObject({ id: z.string(), model: z.string(), usage: anthropicUsageSchema.nullish() }),
  }),
  z.looseObject({
    type: z.literal('content_block_start'),
    index: z.number().int(),
    content_block: anthropicContentBlockSchema,
  }),
  z.looseObject({
    type: z.literal('content_block_delta'),
    index: z.number().int(),
    delta: z.union([textDelta, inputJsonDelta, otherDelta]),
  }),
  z.looseObject({ type: z.literal('content_block_stop'), index: z.number().int() }),
  z.looseObject({
    type: z.literal('message_delta'),
    delta: z.looseObject({ stop_reason: z.string().nullish(), stop_sequence: z.string().nullish() }),
    usage: anthropicUsageSchema.nullish(),
  }),
  z.looseObject({ type: z.literal('message_stop') }),
  z.looseObject({ type: z.literal('ping') }),
  anthropicErrorSchema,
]);
export type AnthropicStreamEvent = z.infer<typeof anthropicStreamEventSchema>;
