import type { ProviderKind } from '../../core/chat-model';

/**
 * Which top-level request fields an OpenAI-compatible upstream receives. OpenAI answers 400 to any field it
 * does not know, and clients written for OpenRouter send several, so the body is built from a whitelist
 * per provider kind instead of forwarding whatever arrived. Routing fields (`models`, `route`, `provider`,
 * `circuit_breaker`) are consumed by our router and are in no list.
 */

/** OpenAI Chat Completions (`POST /v1/chat/completions`) request fields, from OpenAI's API reference. */
export const OPENAI_CHAT_FIELDS = [
  'model', 'messages', 'audio', 'frequency_penalty', 'function_call', 'functions', 'logit_bias', 'logprobs',
  'max_completion_tokens', 'max_tokens', 'metadata', 'modalities', 'n', 'parallel_tool_calls', 'prediction',
  'presence_penalty', 'prompt_cache_key', 'prompt_cache_retention', 'reasoning_effort', 'response_format',
  'safety_identifier', 'seed', 'service_tier', 'stop', 'store', 'stream', 'stream_options', 'temperature',
  'tool_choice', 'tools', 'top_logprobs', 'top_p', 'user', 'verbosity', 'web_search_options',
] as const;

/** Azure OpenAI's additions: On Your Data sources and the Defender for Cloud user context. */
export const AZURE_EXTRA_FIELDS = ['data_sources', 'user_security_context'] as const;

/**
 * OpenRouter's request fields beyond OpenAI's: extra samplers, usage accounting, plugins, transforms,
 * reasoning. Sent only to a `custom` endpoint configured `openrouter_compatible: true`.
 */
export const OPENROUTER_EXTRA_FIELDS = [
  'top_k', 'repetition_penalty', 'min_p', 'top_a', 'usage', 'plugins', 'transforms', 'reasoning', 'include_reasoning',
] as const;

const OPENAI = new Set<string>(OPENAI_CHAT_FIELDS);
const AZURE = new Set<string>([...OPENAI_CHAT_FIELDS, ...AZURE_EXTRA_FIELDS]);
const OPENROUTER = new Set<string>([...OPENAI_CHAT_FIELDS, ...OPENROUTER_EXTRA_FIELDS]);

/**
 * The fields an endpoint of this kind accepts: `custom` is OpenAI's set unless it declares itself
 * OpenRouter-compatible, plus the `extra` fields its configuration names (vLLM's `guided_json` …).
 */
export function openAIRequestFields(kind: ProviderKind, openrouterCompatible = false, extra: readonly string[] = []): ReadonlySet<string> {
  if (kind === 'azure') return AZURE;
  const base = kind === 'custom' && openrouterCompatible ? OPENROUTER : OPENAI;
  return kind === 'custom' && extra.length > 0 ? new Set([...base, ...extra]) : base;
}
