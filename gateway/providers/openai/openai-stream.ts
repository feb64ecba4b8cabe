import type { StreamPart } from '../../core/chat-result';
import { parseStreamEvent, sseEvents, tryParseJson, type UpstreamResponse } from '../../http';
import { convertOpenAIUsage } from './convert-to-openai-messages';
import { mapOpenAIFinishReason } from './map-openai-finish-reason';
import { openaiStreamError } from './openai-error';
import { type OpenAIChunk, openaiChunkSchema } from './openai-schemas';

/**
 * An OpenAI-compatible SSE body → canonical parts, up to `[DONE]`. Whether the answer was whole (a
 * `finish_reason` per choice) is the stream skeleton's business (`chatStream`), not this reader's.
 */
export async function* openaiStreamParts(res: UpstreamResponse, provider: string, signal: AbortSignal | undefined): AsyncGenerator<StreamPart> {
  const state = new ChunkState();
  for await (const ev of sseEvents(res, provider, signal)) {
    if (ev.data === '[DONE]') break;
    const chunk = parseStreamEvent(openaiChunkSchema, tryParseJson(ev.data), provider, 'stream chunk (chat.completion.chunk)');
    if (chunk.error !== undefined) throw openaiStreamError(provider, chunk.error);
    yield* state.partsOf(chunk);
  }
  yield* state.end();
}

/** Tracks tool-call indices and finish state across chunks of one stream. */
class ChunkState {
  private metadataSent = false;
  private readonly toolCallsSeen = new Set<number>();
  private readonly finished = new Set<number>();
  private usage: StreamPart | undefined;

  *partsOf(c: OpenAIChunk): Generator<StreamPart> {
    if (!this.metadataSent) {
      this.metadataSent = true;
      yield { type: 'metadata', id: c.id ?? undefined, model: c.model ?? undefined, created: c.created ?? undefined, systemFingerprint: c.system_fingerprint };
    }
    for (const choice of c.choices) {
      const d = choice.delta;
      const i = choice.index;
      if (d?.content) yield { type: 'text-delta', choice: i, delta: d.content };
      if (d?.refusal) yield { type: 'refusal-delta', choice: i, delta: d.refusal };
      for (const [pos, tc] of (d?.tool_calls ?? []).entries()) {
        const index = tc.index ?? pos;
        const key = i * 10_000 + index;
        if (!this.toolCallsSeen.has(key)) {
          this.toolCallsSeen.add(key);
          yield { type: 'tool-call-start', choice: i, index, id: tc.id ?? `call_${index}`, name: tc.function?.name ?? '' };
        }
        if (tc.function?.arguments) yield { type: 'tool-call-delta', choice: i, index, argumentsDelta: tc.function.arguments };
      }
      if (choice.finish_reason != null && !this.finished.has(i)) {
        this.finished.add(i);
        const sawTools = [...this.toolCallsSeen].some((k) => Math.floor(k / 10_000) === i);
        yield { type: 'finish', choice: i, finishReason: mapOpenAIFinishReason(choice.finish_reason, sawTools) };
      }
    }
    const usage = convertOpenAIUsage(c.usage);
    if (usage) this.usage = { type: 'usage', usage };
  }

  *end(): Generator<StreamPart> {
    if (this.usage) yield this.usage;
  }
}
