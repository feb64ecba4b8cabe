import { z } from 'zod';
import { GatewayErrors } from './errors';

/**
 * The canonical chat request. Our public contract is OpenAI Chat Completions, so the canonical request is
 * the validated OpenAI request body: every provider adapter converts *from* this shape. Unknown top-level
 * fields are kept (`looseObject`): OpenAI fields we do not model and OpenRouter's extras (`usage`,
 * `plugins`, `top_k` …) are accepted, and each provider decides what reaches its upstream (OpenAI-compatible
 * kinds copy a whitelist of fields; the others translate field by field).
 */

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({ url: z.string().min(1), detail: z.enum(['auto', 'low', 'high']).optional() }),
});
const audioPart = z.object({
  type: z.literal('input_audio'),
  input_audio: z.object({ data: z.string(), format: z.string() }),
});
const filePart = z.object({
  type: z.literal('file'),
  file: z.object({ file_data: z.string().optional(), file_id: z.string().optional(), filename: z.string().optional() }),
});
export const userContentPartSchema = z.discriminatedUnion('type', [textPart, imagePart, audioPart, filePart]);
export type UserContentPart = z.infer<typeof userContentPartSchema>;
export type TextPart = z.infer<typeof textPart>;

const textContent = z.union([z.string(), z.array(textPart)]);

export const toolCallSchema = z.object({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});
export type ToolCall = z.infer<typeof toolCallSchema>;

const nameField = z.string().optional();
export const chatMessageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: textContent, name: nameField }),
  z.object({ role: z.literal('developer'), content: textContent, name: nameField }),
  z.object({ role: z.literal('user'), content: z.union([z.string(), z.array(userContentPartSchema)]), name: nameField }),
  z.object({
    role: z.literal('assistant'),
    content: z
      .union([z.string(), z.array(z.union([textPart, z.object({ type: z.literal('refusal'), refusal: z.string() })]))])
      .nullish(),
    name: nameField,
    refusal: z.string().nullish(),
    tool_calls: z.array(toolCallSchema).optional(),
  }),
  z.object({ role: z.literal('tool'), content: textContent, tool_call_id: z.string().min(1) }),
]);
export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type SystemMessage = Extract<ChatMessage, { role: 'system' | 'developer' }>;
export type UserMessage = Extract<ChatMessage, { role: 'user' }>;
export type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;
export type ToolMessage = Extract<ChatMessage, { role: 'tool' }>;

export const toolSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 characters of a-z, A-Z, 0-9, _ or -'),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});
export type Tool = z.infer<typeof toolSchema>;

export const toolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) }),
]);
export type ToolChoice = z.infer<typeof toolChoiceSchema>;

export const responseFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string().min(1),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullish(),
    }),
  }),
]);
export type ResponseFormat = z.infer<typeof responseFormatSchema>;

/** Whether `s` has a C0 control character or DEL (never valid in a name that is echoed in a header). */
export function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Longest model name a client may send (provider-qualified ids, Azure deployments and aliases stay far below). */
export const MAX_MODEL_NAME_CHARS = 256;

export const chatRequestSchema = z.looseObject({
  model: z.string().min(1).max(MAX_MODEL_NAME_CHARS).refine((m) => !hasControlCharacter(m), 'must not contain control characters'),
  messages: z.array(chatMessageSchema).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  seed: z.number().int().nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  user: z.string().optional(),
  tools: z.array(toolSchema).optional(),
  tool_choice: toolChoiceSchema.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: responseFormatSchema.optional(),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;

/**
 * OpenRouter's `top_k` (a sampler Anthropic, Gemini and Ollama have too): a positive integer, else ignored
 * (0 means "off" on OpenRouter). Read from the loose request: OpenRouter-only fields are accepted, never validated.
 */
export function requestedTopK(req: ChatRequest): number | undefined {
  const v = req.top_k;
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/** OpenRouter's `repetition_penalty` (0–2, 1 = off), for providers that have it (Ollama's `repeat_penalty`). */
export function requestedRepetitionPenalty(req: ChatRequest): number | undefined {
  const v = req.repetition_penalty;
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}

/** The max-token limit the caller asked for, whichever of the two OpenAI fields carried it. */
export function requestedMaxTokens(req: ChatRequest): number | undefined {
  return req.max_completion_tokens ?? req.max_tokens ?? undefined;
}

/** `stop` as a list (OpenAI allows a single string). */
export function stopSequences(req: ChatRequest): string[] | undefined {
  if (req.stop == null) return undefined;
  return typeof req.stop === 'string' ? [req.stop] : req.stop;
}

/** Joins text content (string or text parts) into one string. */
export function textOf(content: string | ReadonlyArray<{ type: string; text?: string }> | null | undefined): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((p) => (p.type === 'text' ? (p.text ?? '') : '')).join('');
}

/**
 * OpenAI carries tool-call arguments as JSON text; Anthropic, Gemini and Ollama want the object.
 * Empty text means no arguments. Anything but a JSON object is a 400 naming `param`.
 */
export function parseToolArguments(text: string, param: string, provider: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw GatewayErrors.invalidRequest(`${param}: tool call arguments must be valid JSON`, param);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw GatewayErrors.invalidRequest(`${param}: tool call arguments must be a JSON object for ${provider}`, param);
  }
  return value as Record<string, unknown>;
}
