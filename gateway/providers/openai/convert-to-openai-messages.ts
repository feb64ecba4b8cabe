import { type ChatRequest, GATEWAY_EXTENSION_FIELDS } from '../../core/chat-request';
import type { Usage } from '../../core/chat-result';
import type { OpenAIUsage } from './openai-schemas';

/**
 * OpenAI-compatible upstreams take our canonical request almost as it is: drop our/OpenRouter's extension
 * fields, set the upstream model id and, when streaming, ask for usage (we record cost; the client only
 * sees the usage chunk if it asked for it).
 */
export function convertToOpenAIRequest(request: ChatRequest, modelId: string, stream: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { ...request, model: modelId };
  for (const f of GATEWAY_EXTENSION_FIELDS) delete body[f];
  if (stream) {
    body.stream = true;
    body.stream_options = { ...(request.stream_options ?? {}), include_usage: true };
  } else {
    delete body.stream;
    delete body.stream_options;
  }
  return body;
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
