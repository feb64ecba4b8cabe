import { randomUUID } from 'node:crypto';
import type { ChatChoice, ChatResult, ResultToolCall, Usage } from '../../core/chat-result';
import { makeUsage } from '../../core/chat-result';
import { blockedPromptFinishReason, mapGoogleFinishReason } from './map-google-finish-reason';
import type { GoogleCandidate, GooglePart, GoogleResponse, GoogleUsage } from './google-schemas';

/** Gemini has no tool-call ids (unless a model sends one): we mint OpenAI-style `call_<random>` ids. */
export function toolCallId(part: NonNullable<GooglePart['functionCall']>): string {
  return part.id ?? `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

/**
 * usageMetadata → Usage. prompt = promptTokenCount (+ toolUsePromptTokenCount, input Gemini counts
 * separately); completion = candidatesTokenCount + thoughtsTokenCount; reasoning = thoughts; cached =
 * cachedContentTokenCount (already inside promptTokenCount). total = prompt + completion.
 */
export function convertGoogleUsage(u: GoogleUsage | null | undefined): Usage | undefined {
  if (u == null) return undefined;
  const prompt = (u.promptTokenCount ?? 0) + (u.toolUsePromptTokenCount ?? 0);
  const completion = (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0);
  return makeUsage(prompt, completion, {
    ...(u.cachedContentTokenCount != null ? { cachedPromptTokens: u.cachedContentTokenCount } : {}),
    ...(u.thoughtsTokenCount != null ? { reasoningTokens: u.thoughtsTokenCount } : {}),
  });
}

/** Visible answer text of a part (thought summaries are reasoning, not content). */
export function answerText(part: GooglePart): string {
  return part.thought === true ? '' : (part.text ?? '');
}

function convertCandidate(c: GoogleCandidate, position: number): ChatChoice {
  const parts = c.content?.parts ?? [];
  let text: string | null = null;
  const toolCalls: ResultToolCall[] = [];
  for (const part of parts) {
    const t = answerText(part);
    if (t !== '') text = (text ?? '') + t;
    if (part.functionCall) {
      toolCalls.push({
        id: toolCallId(part.functionCall),
        name: part.functionCall.name,
        arguments: JSON.stringify(part.functionCall.args ?? {}),
      });
    }
  }
  return {
    index: c.index ?? position,
    content: text,
    toolCalls,
    finishReason: mapGoogleFinishReason(c.finishReason, toolCalls.length > 0),
  };
}

/** A generateContent response → ChatResult; candidates become choices by their `index`. */
export function convertGoogleResponse(resp: GoogleResponse, modelId: string): ChatResult {
  const choices = (resp.candidates ?? []).map(convertCandidate).sort((a, b) => a.index - b.index);
  if (choices.length === 0) {
    // No candidates: the prompt itself was blocked (promptFeedback.blockReason) or nothing was generated.
    const block = resp.promptFeedback?.blockReason;
    choices.push({
      index: 0,
      content: null,
      toolCalls: [],
      finishReason: block ? blockedPromptFinishReason(block) : { unified: 'stop', raw: undefined },
    });
  }
  return {
    ...(resp.responseId ? { id: resp.responseId } : {}),
    model: resp.modelVersion ?? modelId,
    choices,
    usage: convertGoogleUsage(resp.usageMetadata),
  };
}
