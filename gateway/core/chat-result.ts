/**
 * Canonical results: what every provider adapter produces, whatever its wire format.
 * The API layer serialises these into OpenAI responses and chunks.
 */

export type UnifiedFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/** The finish reason as we report it (`unified`) and as the provider said it (`raw`). */
export interface FinishReason {
  unified: UnifiedFinishReason;
  raw: string | undefined;
}

/** Token usage. `promptTokens` counts *all* input (cached included); total = prompt + completion. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cachedPromptTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

export function makeUsage(
  promptTokens: number,
  completionTokens: number,
  extra: Omit<Usage, 'promptTokens' | 'completionTokens' | 'totalTokens'> = {},
): Usage {
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens, ...extra };
}

export interface ResultToolCall {
  id: string;
  name: string;
  /** JSON text, exactly as OpenAI sends `function.arguments`. */
  arguments: string;
}

export interface ChatChoice {
  index: number;
  content: string | null;
  refusal?: string | null;
  toolCalls: ResultToolCall[];
  finishReason: FinishReason;
  logprobs?: unknown;
}

export interface ChatResult {
  /** Upstream response id when it has one; the API supplies its own otherwise. */
  id?: string;
  /** The model that answered, as the upstream named it. */
  model: string;
  created?: number;
  choices: ChatChoice[];
  usage: Usage | undefined;
  systemFingerprint?: string | null;
  serviceTier?: string | null;
  /**
   * OpenAI-compatible upstreams only: the upstream JSON body exactly as received. The API returns it
   * byte for byte (fields we do not model survive); other providers' results are serialised from the above.
   */
  rawText?: string;
  /** Upstream response headers of interest (rate-limit state, request ids), lower-case names. */
  headers?: Record<string, string>;
}

/**
 * One streamed piece. `choice` is the OpenAI choice index (0 unless n > 1).
 * Tool-call parts carry the OpenAI tool-call `index` within that choice.
 */
export type StreamPart =
  | { type: 'metadata'; id?: string; model?: string; created?: number; systemFingerprint?: string | null }
  | { type: 'text-delta'; choice: number; delta: string }
  | { type: 'refusal-delta'; choice: number; delta: string }
  | { type: 'tool-call-start'; choice: number; index: number; id: string; name: string }
  | { type: 'tool-call-delta'; choice: number; index: number; argumentsDelta: string }
  | { type: 'finish'; choice: number; finishReason: FinishReason; logprobs?: unknown }
  | { type: 'usage'; usage: Usage };
