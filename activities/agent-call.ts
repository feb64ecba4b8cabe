/**
 * Pure helpers of the callAgent activity: the chat request of an agent turn, the model an agent's strategy
 * names, error classification into Temporal failures, and JSON output parsing.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ChatRequest, Tool } from '../gateway/core/chat-request';
import { GatewayError } from '../gateway/core/errors';
import type { AgentSpec, FunctionSpec, JsonObject, JsonValue } from '../pipelines/definition/types';

export interface AgentMessage {
  role: 'system' | 'user';
  content: string;
}

/** The model an agent turn asks the router for: the compiler already turned a `strategy` into its virtual model. */
export function agentModel(agent: AgentSpec): string {
  return agent.model || 'auto';
}

/** Upstream calls (rounds) of one agent turn with tools: a round that still answers with tool calls after this many fails the turn. */
export const MAX_TOOL_ROUNDS = 5;

/** An agent's tool functions as OpenAI `tools`: the function id is the tool name. */
export function openAITools(fns: readonly FunctionSpec[]): Tool[] {
  return fns.map((f) => ({
    type: 'function' as const,
    function: { name: f.id, ...(f.description !== undefined ? { description: f.description } : {}), parameters: f.parameters ?? { type: 'object' } },
  }));
}

/**
 * A tool call's JSON arguments merged over the function's rendered `with` (the model's keys win). Answers an
 * error text for the model instead when the arguments are not a JSON object.
 */
export function toolInput(rendered: JsonObject, argumentsJson: string): { ok: true; input: JsonObject } | { ok: false; error: string } {
  if (argumentsJson.trim() === '') return { ok: true, input: { ...rendered } };
  let args: unknown;
  try {
    args = JSON.parse(argumentsJson) as unknown;
  } catch {
    return { ok: false, error: 'the tool call arguments are not valid JSON' };
  }
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return { ok: false, error: 'the tool call arguments must be a JSON object' };
  return { ok: true, input: { ...rendered, ...(args as JsonObject) } };
}

export function agentRequest(agent: AgentSpec, messages: readonly AgentMessage[], tools: readonly FunctionSpec[] = []): ChatRequest {
  return {
    model: agentModel(agent),
    messages: messages.map((m) => ({ role: m.role, content: m.content })),
    ...(tools.length > 0 ? { tools: openAITools(tools) } : {}),
    stream: true,
    stream_options: { include_usage: true },
    ...(agent.temperature !== undefined ? { temperature: agent.temperature } : {}),
    ...(agent.max_tokens !== undefined ? { max_tokens: agent.max_tokens } : {}),
    ...(agent.output === 'json' ? { response_format: { type: 'json_object' as const } } : {}),
  };
}

/** Temporal failure type of a non-retryable HTTP status (matched by `nonRetryableErrorTypes`). */
export function failureTypeFor(status: number): string {
  if (status === 401 || status === 403) return 'Unauthorized';
  if (status === 404) return 'NotFound';
  return 'InvalidRequest';
}

/**
 * An upstream/router failure as a Temporal failure: 4xx except 408/409/429 → non-retryable (typed);
 * 429/503 with Retry-After → retryable with `nextRetryDelay`; everything else retryable.
 */
export function toActivityFailure(err: unknown, what: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof GatewayError) {
    const message = `${what}: ${err.message}`;
    const details = [{ status: err.status, code: err.code, provider: err.provider ?? null }];
    if (err.status >= 400 && err.status < 500 && ![408, 409, 429].includes(err.status)) {
      return ApplicationFailure.create({ message, type: failureTypeFor(err.status), nonRetryable: true, details, cause: err });
    }
    if ((err.status === 429 || err.status === 503) && err.retryAfterMs !== undefined && err.retryAfterMs > 0) {
      return ApplicationFailure.create({ message, type: 'RateLimited', nextRetryDelay: err.retryAfterMs, details, cause: err });
    }
    return ApplicationFailure.create({ message, type: err.status === 429 ? 'RateLimited' : 'UpstreamError', details, cause: err });
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return ApplicationFailure.create({ message: `${what}: ${e.message}`, type: 'UpstreamError', cause: e });
}

/** Parses an agent's JSON answer, tolerating a ```json fence or prose around one object/array. */
export function parseJsonOutput(text: string, agentId: string): JsonValue {
  const trimmed = text.trim();
  const fenced = /```(?:json|JSON)?\s*\n?([\s\S]*?)```/.exec(trimmed)?.[1]?.trim();
  const candidates = [fenced, trimmed, sliceBalanced(trimmed)].filter((c): c is string => typeof c === 'string' && c !== '');
  for (const c of candidates) {
    try {
      return JSON.parse(c) as JsonValue;
    } catch {
      // try the next candidate
    }
  }
  const preview = trimmed.length > 200 ? `${trimmed.slice(0, 200)}…` : trimmed;
  throw ApplicationFailure.nonRetryable(`agent '${agentId}' must answer JSON (output: json), but answered: ${JSON.stringify(preview)}`, 'InvalidOutput');
}

/** From the first `{` or `[` to the last matching closer. */
function sliceBalanced(text: string): string | undefined {
  const start = text.search(/[{[]/);
  if (start < 0) return undefined;
  const close = text[start] === '{' ? '}' : ']';
  const end = text.lastIndexOf(close);
  return end > start ? text.slice(start, end + 1) : undefined;
}
