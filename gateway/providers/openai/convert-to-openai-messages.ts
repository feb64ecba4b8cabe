import type { ChatRequest } from '../../core/chat-request';
import type { Usage } from '../../core/chat-result';
import type { OpenAIUsage } from './openai-schemas';

/**
 * OpenAI-compatible upstreams take our canonical request almost as it is: copy the top-level fields the
 * endpoint accepts (`fields`, see openai-request-fields — a shallow copy, nothing re-parsed or cloned), set
 * the upstream model id and, when streaming, ask for usage (we record cost; the client only sees the usage
 * chunk if it asked for it). OpenRouter's `reasoning: {effort}` becomes `reasoning_effort` where the
 * endpoint does not take `reasoning` itself.
 */
export function convertToOpenAIRequest(request: ChatRequest, modelId: string, stream: boolean, fields: ReadonlySet<string>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const key in request) if (fields.has(key)) body[key] = request[key];
  body.model = modelId;
  if (body.reasoning_effort == null && !fields.has('reasoning')) {
    const effort = reasoningEffortOf(request.reasoning);
    if (effort !== undefined) body.reasoning_effort = effort;
  }
  if (stream) {
    body.stream = true;
    body.stream_options = { ...(request.stream_options ?? {}), include_usage: true };
  } else {
    delete body.stream;
    delete body.stream_options;
  }
  return body;
}

function reasoningEffortOf(reasoning: unknown): string | undefined {
  if (reasoning === null || typeof reasoning !== 'object') return undefined;
  const effort = (reasoning as { effort?: unknown }).effort;
  return typeof effort === 'string' && effort !== '' ? effort : undefined;
}

export function convertOpenAIUsage(u: OpenAIUsage | null | undefined): Usage | undefined {
  if (u == null) return undefined;
  const prompt = u.prompt_tokens ?? 0;
  const completion = u.completion_tokens ?? 0;
  const usage: Usage = { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion };
  const cached = u.prompt_tokens_details?.cached_tokens;
  const reasoning = u.completion_tokens_details?.reasoning_tokens;
  if (cached != null) usage.cachedPromptTokens = cached;
  if (reasoning != null) usage.reasoningTokens = reasoning;
  return usage;
}
