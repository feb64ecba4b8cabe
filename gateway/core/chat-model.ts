import type { ChatRequest } from './chat-request';
import type { ChatResult, StreamPart } from './chat-result';

export interface CallOptions {
  /** Aborts the upstream call (client went away, deadline, cancellation). */
  signal?: AbortSignal;
  /** The caller's request id, forwarded upstream where the provider accepts one. */
  requestId?: string;
  /** The provider key to use (the router balances keys); absent → the provider's own round-robin. */
  apiKey?: string;
}

/** A started stream: the upstream accepted the call (headers received), parts follow. */
export interface ChatStream extends AsyncIterable<StreamPart> {
  /** Response headers of interest from upstream (rate-limit state etc.), lower-case names. */
  readonly headers: Record<string, string>;
}

/**
 * One model of one configured provider instance. `generate` and `stream` throw GatewayError for any
 * failure *before* the first part; `stream` resolves only once the upstream answered with success, so
 * a caller can still fail over when it rejects. Errors after that are thrown from the iterator.
 */
export interface ChatModel {
  /** Provider instance name (e.g. `openai`, `azure`, a custom endpoint's name). */
  readonly provider: string;
  /** Provider kind (openai | anthropic | google | ollama | azure | custom | demo). */
  readonly kind: ProviderKind;
  /** The model id sent upstream (an Azure deployment name for Azure). */
  readonly modelId: string;
  generate(request: ChatRequest, options: CallOptions): Promise<ChatResult>;
  stream(request: ChatRequest, options: CallOptions): Promise<ChatStream>;
}

export type ProviderKind = 'openai' | 'anthropic' | 'google' | 'ollama' | 'azure' | 'custom' | 'demo';

export interface EmbeddingRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
}

export interface EmbeddingResult {
  model: string;
  data: Array<{ index: number; embedding: number[] | string }>;
  usage: { promptTokens: number; totalTokens: number };
}

export interface EmbeddingModel {
  readonly provider: string;
  readonly kind: ProviderKind;
  readonly modelId: string;
  embed(request: EmbeddingRequest, options: CallOptions): Promise<EmbeddingResult>;
}

/** A model a provider offers, for `/v1/models`. */
export interface ModelInfo {
  /** The id clients use, provider-qualified (`openai/gpt-4o`). */
  id: string;
  provider: string;
  kind: ProviderKind;
  /** The upstream model id. */
  modelId: string;
  ownedBy: string;
  created: number;
  capabilities?: { embeddings?: boolean };
}
