import type { ChatRequest } from '../../core/chat-request';
import { requestedMaxTokens, requestedTopK, stopSequences } from '../../core/chat-request';
import { GatewayErrors } from '../../core/errors';
import type { AnthropicRequestBody } from './anthropic-api-types';
import { convertToAnthropicMessages } from './convert-to-anthropic-messages';
import { prepareAnthropicTools } from './prepare-anthropic-tools';

/**
 * Anthropic requires `max_tokens`; OpenAI clients usually omit it. 4096 is what every current Claude model
 * can produce and keeps an unbounded request from running long. Override per provider via
 * `createAnthropicProvider(settings, { defaultMaxTokens })`.
 */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

/**
 * OpenAI's temperature range is 0–2, Anthropic's 0–1. We clamp (2 → 1) rather than rescale or reject:
 * clients tuned for OpenAI send 1.2 meaning "quite creative", and 1 is Anthropic's most creative setting.
 */
export const ANTHROPIC_MAX_TEMPERATURE = 1;

/** Appended to the system prompt for `response_format: json_object` (Anthropic has no JSON mode). */
export const JSON_OBJECT_INSTRUCTION =
  'Respond with a single valid JSON object only: no prose, no Markdown code fences, nothing before or after the JSON.';

/** Request fields we translate, or know to be meaningless for Anthropic (dropped silently). */
const DROPPED = ['seed', 'presence_penalty', 'frequency_penalty', 'logprobs', 'top_logprobs', 'stream_options'] as const;

export interface AnthropicRequestOptions {
  /** The upstream model id (the request's `model` is the client-facing, provider-qualified name). */
  modelId: string;
  stream: boolean;
  defaultMaxTokens?: number;
}

export interface ConvertedAnthropicRequest {
  body: AnthropicRequestBody;
  /** Set when response_format json_schema is emulated by a forced tool (see prepare-anthropic-tools). */
  responseToolName: string | undefined;
  /** Parameters the request set that Anthropic has no equivalent for. */
  dropped: string[];
}

/** Canonical (OpenAI) chat request → Anthropic Messages request body. Pure. */
export function convertToAnthropicRequest(req: ChatRequest, opts: AnthropicRequestOptions): ConvertedAnthropicRequest {
  if (req.n != null && req.n > 1) {
    throw GatewayErrors.invalidRequest('Anthropic cannot return several choices: n must be 1', 'n');
  }
  const prompt = convertToAnthropicMessages(req.messages);
  const tools = prepareAnthropicTools(req);
  let system = prompt.system;
  if (req.response_format?.type === 'json_object') {
    system = system === undefined ? JSON_OBJECT_INSTRUCTION : `${system}\n\n${JSON_OBJECT_INSTRUCTION}`;
  }
  const stop = stopSequences(req)?.filter((s) => s !== '');
  const topK = requestedTopK(req);

  const body: AnthropicRequestBody = {
    model: opts.modelId,
    max_tokens: requestedMaxTokens(req) ?? opts.defaultMaxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages: prompt.messages,
    ...(system !== undefined ? { system } : {}),
    ...(req.temperature != null ? { temperature: Math.min(req.temperature, ANTHROPIC_MAX_TEMPERATURE) } : {}),
    ...(req.top_p != null ? { top_p: req.top_p } : {}),
    ...(topK !== undefined ? { top_k: topK } : {}),
    ...(stop !== undefined && stop.length > 0 ? { stop_sequences: stop } : {}),
    ...(opts.stream ? { stream: true } : {}),
    ...(req.user !== undefined && req.user !== '' ? { metadata: { user_id: req.user } } : {}),
    ...(tools.tools ? { tools: tools.tools } : {}),
    ...(tools.tool_choice ? { tool_choice: tools.tool_choice } : {}),
  };
  const dropped: string[] = DROPPED.filter((k) => req[k] != null && req[k] !== false);
  return { body, responseToolName: tools.responseToolName, dropped };
}
