import type { StreamPart, Usage } from '../../core/chat-result';
import { parseStreamEvent } from '../../http/post-json';
import { tryParseJson } from '../../http/provider-error';
import { answerText, convertGoogleUsage, toolCallId } from './convert-google-response';
import { parseGoogleError, googleStreamError } from './google-error';
import { googleResponseSchema } from './google-schemas';
import { blockedPromptFinishReason, mapGoogleFinishReason } from './map-google-finish-reason';

interface CandidateState {
  /** OpenAI tool_calls index of the next call within this choice. */
  toolCalls: number;
  finished: boolean;
}

/**
 * streamGenerateContent (alt=sse) events → StreamParts. Every event is a partial GenerateContentResponse;
 * there is no `[DONE]`: the stream simply ends. Gemini sends each functionCall whole, so a call becomes a
 * `tool-call-start` plus one `tool-call-delta` with the full argument JSON. A functionCall seen in any
 * earlier event turns the candidate's later STOP into `tool_calls`. usageMetadata is cumulative per event:
 * the last one is emitted once, after all finishes. A candidate's `finish` comes only with its
 * finishReason, so a stream that ends without one is caught by the stream skeleton (`chatStream`).
 */
export async function* googleStreamParts(
  events: AsyncIterable<{ data: string }>,
  provider: string,
): AsyncGenerator<StreamPart> {
  const candidates = new Map<number, CandidateState>();
  let usage: Usage | undefined;
  let first = true;
  let blocked = false;

  for await (const event of events) {
    const data = event.data.trim();
    if (data === '' || data === '[DONE]') continue; // Gemini sends no [DONE]; OpenAI-style proxies in front of it may.
    const json = tryParseJson(event.data);
    const error = typeof json === 'object' && json !== null && 'error' in json ? parseGoogleError(json) : undefined;
    if (error) throw googleStreamError(provider, error);
    const resp = parseStreamEvent(googleResponseSchema, json, provider, 'stream event (GenerateContentResponse)');

    if (first) {
      first = false;
      yield {
        type: 'metadata',
        ...(resp.responseId ? { id: resp.responseId } : {}),
        ...(resp.modelVersion ? { model: resp.modelVersion } : {}),
      };
    }
    if (resp.usageMetadata) usage = convertGoogleUsage(resp.usageMetadata);

    const list = resp.candidates ?? [];
    if (list.length === 0 && resp.promptFeedback?.blockReason && !blocked) {
      blocked = true;
      yield { type: 'finish', choice: 0, finishReason: blockedPromptFinishReason(resp.promptFeedback.blockReason) };
    }

    for (const [position, c] of list.entries()) {
      const choice = c.index ?? position;
      let state = candidates.get(choice);
      if (!state) candidates.set(choice, (state = { toolCalls: 0, finished: false }));
      if (state.finished) continue;
      for (const part of c.content?.parts ?? []) {
        const text = answerText(part);
        if (text !== '') yield { type: 'text-delta', choice, delta: text };
        if (part.functionCall) {
          const index = state.toolCalls++;
          yield { type: 'tool-call-start', choice, index, id: toolCallId(part.functionCall), name: part.functionCall.name };
          yield { type: 'tool-call-delta', choice, index, argumentsDelta: JSON.stringify(part.functionCall.args ?? {}) };
        }
      }
      if (c.finishReason) {
        state.finished = true;
        yield { type: 'finish', choice, finishReason: mapGoogleFinishReason(c.finishReason, state.toolCalls > 0) };
      }
    }
  }

  if (usage) yield { type: 'usage', usage };
}
