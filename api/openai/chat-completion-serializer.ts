import type { ChatResult, StreamPart, Usage } from '../../gateway/core/chat-result';

/**
 * Canonical results → OpenAI's exact wire shapes (`chat.completion`, `chat.completion.chunk`).
 * The stream serialiser keeps the per-choice state OpenAI clients rely on: role on the first delta,
 * tool-call id/type/name only on the first delta of each index, one finish chunk per choice, and the
 * usage chunk (`choices: []`) only when the client asked for it.
 */

export interface OpenAIUsageBody {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
}

export function toOpenAIUsage(u: Usage): OpenAIUsageBody {
  const body: OpenAIUsageBody = { prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens, total_tokens: u.totalTokens };
  if (u.cachedPromptTokens !== undefined) body.prompt_tokens_details = { cached_tokens: u.cachedPromptTokens };
  if (u.reasoningTokens !== undefined) body.completion_tokens_details = { reasoning_tokens: u.reasoningTokens };
  return body;
}

export function toChatCompletion(result: ChatResult, fallbackId: string, now: number): Record<string, unknown> {
  return {
    id: result.id ?? fallbackId,
    object: 'chat.completion',
    created: result.created ?? now,
    model: result.model,
    choices: result.choices.map((c) => ({
      index: c.index,
      message: {
        role: 'assistant',
        content: c.content,
        refusal: c.refusal ?? null,
        ...(c.toolCalls.length > 0
          ? { tool_calls: c.toolCalls.map((t) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } })) }
          : {}),
      },
      logprobs: c.logprobs ?? null,
      finish_reason: c.finishReason.unified,
    })),
    usage: result.usage ? toOpenAIUsage(result.usage) : undefined,
    system_fingerprint: result.systemFingerprint ?? null,
    ...(result.serviceTier ? { service_tier: result.serviceTier } : {}),
  };
}

type Delta = Record<string, unknown>;

export class ChunkSerializer {
  private id: string;
  private model: string;
  private created: number;
  private fingerprint: string | null = null;
  private readonly started = new Set<number>();
  private readonly finished = new Set<number>();
  usage: Usage | undefined;

  constructor(
    fallbackId: string,
    model: string,
    now: number,
    private readonly includeUsage: boolean,
  ) {
    this.id = fallbackId;
    this.model = model;
    this.created = now;
  }

  /** The SSE text for one part ('' when the part produces no chunk). */
  write(part: StreamPart): string {
    switch (part.type) {
      case 'metadata':
        if (part.id) this.id = part.id;
        if (part.model) this.model = part.model;
        if (part.created) this.created = part.created;
        if (part.systemFingerprint) this.fingerprint = part.systemFingerprint;
        return '';
      case 'text-delta':
        return this.chunk(part.choice, { content: part.delta });
      case 'refusal-delta':
        return this.chunk(part.choice, { refusal: part.delta });
      case 'tool-call-start':
        return this.chunk(part.choice, {
          tool_calls: [{ index: part.index, id: part.id, type: 'function', function: { name: part.name, arguments: '' } }],
        });
      case 'tool-call-delta':
        return this.chunk(part.choice, { tool_calls: [{ index: part.index, function: { arguments: part.argumentsDelta } }] });
      case 'finish':
        if (this.finished.has(part.choice)) return '';
        this.finished.add(part.choice);
        return this.chunk(part.choice, {}, part.finishReason.unified);
      case 'usage':
        this.usage = part.usage;
        return '';
    }
  }

  /** The usage chunk (if asked for) and `[DONE]`. */
  end(): string {
    let out = '';
    if (this.includeUsage && this.usage) {
      out += this.frame({ ...this.base(), choices: [], usage: toOpenAIUsage(this.usage) });
    }
    return `${out}data: [DONE]\n\n`;
  }

  private chunk(choice: number, delta: Delta, finishReason: string | null = null): string {
    if (!this.started.has(choice)) {
      this.started.add(choice);
      delta = { role: 'assistant', ...(delta.content === undefined && delta.tool_calls === undefined ? { content: '' } : {}), ...delta };
    }
    const body: Record<string, unknown> = {
      ...this.base(),
      choices: [{ index: choice, delta, logprobs: null, finish_reason: finishReason }],
    };
    if (this.includeUsage) body.usage = null;
    return this.frame(body);
  }

  private base(): Record<string, unknown> {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, system_fingerprint: this.fingerprint };
  }

  private frame(body: unknown): string {
    return `data: ${JSON.stringify(body)}\n\n`;
  }
}
