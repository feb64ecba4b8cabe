import type { ChatRequest } from '../core/chat-request';
import { estimateTokens } from '../rate-limits/estimate-tokens';
import type { Capabilities } from './routing-config';

/**
 * What a model can do (tools, vision, json_schema, context window), for `model_specific` routing and for
 * dropping candidates that cannot serve a request. Built-in defaults go by model-name pattern; the config's
 * `routing.capabilities` overrides them by bare model id and then by ModelRef (the more specific wins).
 */

type Full = Required<Capabilities>;

const cap = (tools: boolean, vision: boolean, json_schema: boolean, context: number): Full => ({ tools, vision, json_schema, context });

/** First match wins: more specific patterns first. Unknown names (Ollama, custom endpoints) get LOCAL. */
const BUILT_IN: ReadonlyArray<{ pattern: RegExp; caps: Full }> = [
  // OpenAI
  { pattern: /^gpt-5/, caps: cap(true, true, true, 400_000) },
  { pattern: /^gpt-4\.1/, caps: cap(true, true, true, 1_047_576) },
  { pattern: /^(gpt-4o|chatgpt-4o)/, caps: cap(true, true, true, 128_000) },
  { pattern: /^o1-mini/, caps: cap(false, false, false, 128_000) },
  { pattern: /^o3-mini/, caps: cap(true, false, true, 200_000) },
  { pattern: /^o\d/, caps: cap(true, true, true, 200_000) },
  { pattern: /^gpt-4-turbo/, caps: cap(true, true, false, 128_000) },
  { pattern: /^gpt-4/, caps: cap(true, false, false, 8_192) },
  { pattern: /^gpt-3\.5/, caps: cap(true, false, false, 16_385) },
  // Anthropic: json_schema is emulated through a forced tool call.
  { pattern: /^claude-/, caps: cap(true, true, true, 200_000) },
  // Google
  { pattern: /^gemini-1\.5-pro/, caps: cap(true, true, true, 2_097_152) },
  { pattern: /^gemini-/, caps: cap(true, true, true, 1_048_576) },
  // Local models known to take images (Ollama names).
  { pattern: /(llava|bakllava|-vision|moondream|minicpm-v|qwen2(\.5)?-?vl|gemma3|llama4|granite3\.2-vision|mistral-small3\.[12])/, caps: cap(true, true, true, 8_192) },
];

/** Ollama and custom endpoints: tools and JSON usually work; images only for known vision models. */
const LOCAL: Full = cap(true, false, true, 8_192);

/** Capabilities of `provider/modelId` (or a bare id): built-in by name, then overrides by id, then by ref. */
export function capabilitiesOf(ref: string, overrides: Record<string, Capabilities>): Capabilities {
  const slash = ref.indexOf('/');
  const modelId = slash > 0 ? ref.slice(slash + 1) : ref;
  const name = modelId.toLowerCase();
  const base = BUILT_IN.find((b) => b.pattern.test(name))?.caps ?? LOCAL;
  return { ...base, ...defined(overrides[modelId]), ...defined(overrides[ref]) };
}

/**
 * What a request certainly needs: tools when it defines tools, vision when a message carries an image,
 * json_schema when it asks for a json_schema response. `estimatedTokens` is the limiter's pre-call estimate
 * (a rough context-window check, not a billing figure).
 */
export function requiredCapabilities(request: ChatRequest): Capabilities & { estimatedTokens: number } {
  const vision = request.messages.some((m) => m.role === 'user' && Array.isArray(m.content) && m.content.some((p) => p.type === 'image_url'));
  const need: Capabilities & { estimatedTokens: number } = { estimatedTokens: estimateTokens(request) };
  if ((request.tools?.length ?? 0) > 0) need.tools = true;
  if (vision) need.vision = true;
  if (request.response_format?.type === 'json_schema') need.json_schema = true;
  return need;
}

/**
 * Does `have` cover `need`? Each capability `need` marks true must be true in `have`; `need.context` and
 * `need.estimatedTokens` must fit `have.context` (an unknown context window fits anything).
 */
export function satisfies(have: Capabilities, need: Capabilities & { estimatedTokens?: number }): boolean {
  if (need.tools === true && have.tools !== true) return false;
  if (need.vision === true && have.vision !== true) return false;
  if (need.json_schema === true && have.json_schema !== true) return false;
  if (have.context !== undefined) {
    if (need.context !== undefined && have.context < need.context) return false;
    if (need.estimatedTokens !== undefined && have.context < need.estimatedTokens) return false;
  }
  return true;
}

function defined(c: Capabilities | undefined): Capabilities {
  if (!c) return {};
  const out: Capabilities = {};
  if (c.tools !== undefined) out.tools = c.tools;
  if (c.vision !== undefined) out.vision = c.vision;
  if (c.json_schema !== undefined) out.json_schema = c.json_schema;
  if (c.context !== undefined) out.context = c.context;
  return out;
}
