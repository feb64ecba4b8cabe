import type { ChatRequest } from '../../core/chat-request';
import type { CallOptions, ChatModel, ChatStream } from '../../core/chat-model';
import type { ChatResult, StreamPart } from '../../core/chat-result';
import { GatewayError } from '../../core/errors';
import { tryParseJson } from '../../http/provider-error';
import { sseEvents } from '../../http/stream-parsers';
import { readText, upstreamRequest, type UpstreamResponse } from '../../http/upstream-client';
import type { KeyRing, ProviderSettings } from '../provider';
import { anthropicHttpError } from './anthropic-error';
import { anthropicMessageSchema, anthropicStreamEventSchema } from './anthropic-schemas';
import { AnthropicStreamTranslator } from './anthropic-stream';
import { convertAnthropicMessage } from './convert-anthropic-response';
import { convertToAnthropicRequest } from './convert-to-anthropic-request';

export const ANTHROPIC_VERSION = '2023-06-01';

const STREAM_EVENT_TYPES: ReadonlySet<string> = new Set([
  'message_start', 'content_block_start', 'content_block_delta', 'content_block_stop',
  'message_delta', 'message_stop', 'ping', 'error',
]);

export interface AnthropicChatModelConfig {
  settings: ProviderSettings;
  keys: KeyRing;
  defaultMaxTokens?: number;
}

export class AnthropicChatModel implements ChatModel {
  readonly kind = 'anthropic' as const;

  constructor(
    readonly modelId: string,
    private readonly config: AnthropicChatModelConfig,
  ) {}

  get provider(): string {
    return this.config.settings.name;
  }

  async generate(request: ChatRequest, options: CallOptions): Promise<ChatResult> {
    const { body, responseToolName } = this.convert(request, false);
    const res = await this.post(body, options);
    const text = await readText(res, this.provider, options.signal);
    if (res.status < 200 || res.status >= 300) {
      throw anthropicHttpError({ provider: this.provider, status: res.status, headers: res.headers, rawText: text });
    }
    const parsed = anthropicMessageSchema.safeParse(tryParseJson(text));
    if (!parsed.success) throw this.invalidResponse('unexpected response body');
    return { ...convertAnthropicMessage(parsed.data, responseToolName), headers: interestingHeaders(res.headers) };
  }

  async stream(request: ChatRequest, options: CallOptions): Promise<ChatStream> {
    const { body, responseToolName } = this.convert(request, true);
    const res = await this.post(body, options);
    if (res.status < 200 || res.status >= 300) {
      const text = await readText(res, this.provider, options.signal);
      throw anthropicHttpError({ provider: this.provider, status: res.status, headers: res.headers, rawText: text });
    }
    const translator = new AnthropicStreamTranslator(this.provider, responseToolName);
    const parts = this.parts(res, translator, options.signal);
    return { headers: interestingHeaders(res.headers), [Symbol.asyncIterator]: () => parts };
  }

  private convert(request: ChatRequest, stream: boolean): ReturnType<typeof convertToAnthropicRequest> {
    const { defaultMaxTokens } = this.config;
    return convertToAnthropicRequest(request, {
      modelId: this.modelId,
      stream,
      ...(defaultMaxTokens !== undefined ? { defaultMaxTokens } : {}),
    });
  }

  private async *parts(res: UpstreamResponse, translator: AnthropicStreamTranslator, signal?: AbortSignal): AsyncGenerator<StreamPart> {
    try {
      for await (const ev of sseEvents(res, this.provider, signal)) {
        const data = tryParseJson(ev.data);
        const type = ev.event ?? (data as { type?: unknown } | undefined)?.type;
        // Unknown event types are allowed by Anthropic's versioning policy: skip them.
        if (typeof type !== 'string' || !STREAM_EVENT_TYPES.has(type)) continue;
        const parsed = anthropicStreamEventSchema.safeParse(data);
        if (!parsed.success) throw this.invalidResponse(`malformed '${type}' stream event`);
        yield* translator.onEvent(parsed.data);
      }
      translator.end();
    } finally {
      // Early exit by the consumer or an error: release the connection instead of draining it.
      if (!translator.finished) res.body.destroy();
    }
  }

  private async post(body: unknown, { signal, apiKey }: CallOptions): Promise<UpstreamResponse> {
    const { settings } = this.config;
    return upstreamRequest({
      provider: this.provider,
      url: messagesUrl(settings.baseUrl),
      headers: this.headers(apiKey),
      body,
      signal,
      timeouts: settings.timeouts,
    });
  }

  private headers(apiKey: string | undefined): Record<string, string> {
    const key = this.config.keys.take(apiKey);
    if (key === undefined) {
      throw new GatewayError({ status: 401, message: `${this.provider}: no API key configured`, provider: this.provider, retryable: false });
    }
    const extra = Object.fromEntries(Object.entries(this.config.settings.headers).map(([k, v]) => [k.toLowerCase(), v]));
    return { accept: 'application/json', 'anthropic-version': ANTHROPIC_VERSION, ...extra, 'x-api-key': key };
  }

  private invalidResponse(what: string): GatewayError {
    return new GatewayError({
      status: 502,
      type: 'upstream_error',
      code: 'invalid_upstream_response',
      message: `${this.provider}: ${what}`,
      provider: this.provider,
    });
  }
}

/** `${baseUrl}/v1/messages`, without doubling a `/v1` the base URL already has. */
export function messagesUrl(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return /\/v1$/.test(base) ? `${base}/messages` : `${base}/v1/messages`;
}

/** Upstream headers worth passing on: request id, rate-limit state, retry-after. */
function interestingHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k === 'request-id' || k === 'retry-after' || k.startsWith('anthropic-ratelimit-')) out[k] = v;
  }
  return out;
}
