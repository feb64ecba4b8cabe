import type { ChatStream } from '../core/chat-model';
import type { StreamPart } from '../core/chat-result';
import { GatewayErrors } from '../core/errors';
import type { UpstreamResponse } from './upstream-client';

/**
 * The one stream skeleton every adapter's parts pass through (vercel/ai's TransformStream `flush`).
 * Adapters emit a `finish` part for a choice only on their provider's terminal event (OpenAI's
 * `finish_reason`, Anthropic's `message_stop`, Gemini's `finishReason`, Ollama's `done` line). The skeleton
 * tracks them, and when the upstream ends while a choice that produced output has not finished — or
 * without any finish at all — it throws `stream_truncated` (502, retryable, naming the provider) instead
 * of passing half an answer on as a whole one. Usage parts are held until the end and passed on only with a
 * whole answer (every adapter reports usage last anyway). Whatever ends the stream early (an error, the
 * consumer stopping, truncation) releases the upstream connection instead of draining it.
 */
export function chatStream(args: {
  provider: string;
  /** Response headers to expose on the stream (lower-case names). */
  headers: Record<string, string>;
  parts: AsyncIterable<StreamPart>;
  /** The upstream response whose body the parts are read from. */
  response?: UpstreamResponse;
}): ChatStream {
  const { provider, parts, response } = args;
  async function* guarded(): AsyncGenerator<StreamPart> {
    const finishes = new FinishTracker();
    const usage: StreamPart[] = [];
    let whole = false;
    try {
      for await (const part of parts) {
        if (part.type === 'usage') {
          usage.push(part);
          continue;
        }
        finishes.see(part);
        yield part;
      }
      if (!finishes.complete) throw GatewayErrors.streamTruncated(provider, finishes.missing());
      whole = true;
      yield* usage;
    } finally {
      if (!whole && response !== undefined && !response.body.destroyed) response.body.destroy();
    }
  }
  return Object.assign(guarded(), { headers: args.headers });
}

/** Which choices produced output and which of them got their `finish` part. */
export class FinishTracker {
  private readonly started = new Set<number>();
  private readonly finished = new Set<number>();

  see(part: StreamPart): void {
    if (part.type === 'metadata' || part.type === 'usage') return;
    if (part.type === 'finish') this.finished.add(part.choice);
    else this.started.add(part.choice);
  }

  /** At least one finish, and one for every choice that produced output. */
  get complete(): boolean {
    if (this.finished.size === 0) return false;
    for (const c of this.started) if (!this.finished.has(c)) return false;
    return true;
  }

  /** What is missing, for the error message. */
  missing(): string {
    const open = [...this.started].filter((c) => !this.finished.has(c));
    return open.length === 0 ? 'stream ended without a finish reason' : `stream ended before the finish reason of choice ${open.join(', ')}`;
  }
}
