import type { ChatRequest } from '../../core/chat-request';
import type { CallOptions, ChatModel, ChatStream } from '../../core/chat-model';
import type { ChatResult, StreamPart } from '../../core/chat-result';
import { GatewayErrors } from '../../core/errors';
import { chatStream, jsonResponseHandler, parseStreamEvent, pickHeaders, postJson, type PostJsonRequest, sseEvents, streamResponseHandler, tryParseJson, type UpstreamResponse } from '../../http';
import type { KeyRing, ProviderSettings } from '../provider';
import { anthropicHttpError } from './anthropic-error';
import { anthropicMessageSchema, anthropicStreamEventSchema } from './anthropic-schemas';
import { AnthropicStreamTranslator } from './anthropic-stream';
import { convertAnthropicMessage } from './convert-anthropic-response';
import { convertToAnthropicRequest } from './convert-to-anthropic-request';
import { ProviderModel } from '../provider-model';

export const ANTHROPIC_VERSION = '2023-06-01';

const STREAM_EVENT_TYPES: ReadonlySet<string> = new Set([
  'message_start', 'content_block_start', 'content_block_delta', 'content_block_stop',
  'message_delta', 'message_stop', 'ping', 'error',
]);

const messageHandler = jsonResponseHandler(anthropicMessageSchema, 'response (message)');

export interface AnthropicChatModelConfig {
  settings: ProviderSettings;
  keys: KeyRing;
  defaultMaxTokens?: number;
}

export class AnthropicChatModel extends ProviderModel<AnthropicChatModelConfig> implements ChatModel {
  readonly kind = 'anthropic' as const;

  async generate(request: ChatRequest, options: CallOptions): Promise<ChatResult> {
    const { body, responseToolName } = this.convert(request, false);
    const { value, headers } = await postJson(this.post(body, options, messageHandler));
    return { ...convertAnthropicMessage(value, responseToolName), headers: interestingHeaders(headers) };
  }

  async stream(request: ChatRequest, options: CallOptions): Promise<ChatStream> {
    const { body, responseToolName } = this.convert(request, true);
    const res = await postJson(this.post(body, options, streamResponseHandler));
    const translator = new AnthropicStreamTranslator(this.provider, responseToolName);
    return chatStream({ provider: this.provider, headers: interestingHeaders(res.headers), response: res, parts: this.parts(res, translator, options.signal) });
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
    for await (const ev of sseEvents(res, this.provider, signal)) {
      const data = tryParseJson(ev.data);
      const type = ev.event ?? (data as { type?: unknown } | undefined)?.type;
      // Unknown event types are allowed by Anthropic's versioning policy: skip them.
      if (typeof type !== 'string' || !STREAM_EVENT_TYPES.has(type)) continue;
      yield* translator.onEvent(parseStreamEvent(anthropicStreamEventSchema, data, this.provider, `'${type}' stream event`));
    }
  }

  private post<T>(body: unknown, { signal, apiKey }: CallOptions, successfulResponseHandler: PostJsonRequest<T>['successfulResponseHandler']): PostJsonRequest<T> {
    const { settings } = this.config;
    return {
      provider: this.provider,
      url: messagesUrl(settings.baseUrl),
      headers: this.headers(apiKey),
      body,
      signal,
      timeouts: settings.timeouts,
      failedResponseHandler: anthropicHttpError,
      successfulResponseHandler,
    };
  }

  private headers(apiKey: string | undefined): Record<string, string> {
    const key = this.config.keys.take(apiKey);
    if (key === undefined) throw GatewayErrors.missingProviderKey(this.provider);
    const extra = Object.fromEntries(Object.entries(this.config.settings.headers).map(([k, v]) => [k.toLowerCase(), v]));
    return { accept: 'application/json', 'anthropic-version': ANTHROPIC_VERSION, ...extra, 'x-api-key': key };
  }
}

/** `${baseUrl}/v1/messages`, without doubling a `/v1` the base URL already has. */
export function messagesUrl(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return /\/v1$/.test(base) ? `${base}/messages` : `${base}/v1/messages`;
}

/** Upstream headers worth passing on: request id, rate-limit state, retry-after. */
function interestingHeaders(headers: Record<string, string>): Record<string, string> {
  return pickHeaders(headers, ['request-id', 'retry-after'], ['anthropic-ratelimit-']);
}
