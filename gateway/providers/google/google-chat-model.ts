import type { CallOptions, ChatModel, ChatStream } from '../../core/chat-model';
import type { ChatRequest } from '../../core/chat-request';
import type { ChatResult, StreamPart } from '../../core/chat-result';
import { GatewayError } from '../../core/errors';
import { tryParseJson } from '../../http/provider-error';
import { sseEvents } from '../../http/stream-parsers';
import { readText, upstreamRequest, type UpstreamResponse } from '../../http/upstream-client';
import { convertGoogleResponse } from './convert-google-response';
import { convertToGoogleRequest } from './convert-to-google-messages';
import { googleModelPath, interestingHeaders, type GoogleModelConfig } from './google-config';
import { googleHttpError } from './google-error';
import { googleResponseSchema } from './google-schemas';
import { googleStreamParts } from './google-stream';

/** A Gemini model over the Generative Language API v1beta (`:generateContent`, `:streamGenerateContent`). */
export class GoogleChatModel implements ChatModel {
  readonly kind = 'google' as const;

  constructor(
    readonly modelId: string,
    private readonly config: GoogleModelConfig,
  ) {}

  get provider(): string {
    return this.config.provider;
  }

  async generate(request: ChatRequest, options: CallOptions): Promise<ChatResult> {
    const res = await this.post('generateContent', request, options);
    const text = await readText(res, this.provider, options.signal);
    if (res.status < 200 || res.status >= 300) {
      throw googleHttpError({ provider: this.provider, status: res.status, headers: res.headers, rawText: text });
    }
    const parsed = googleResponseSchema.safeParse(tryParseJson(text));
    if (!parsed.success) {
      throw new GatewayError({
        status: 502,
        type: 'upstream_error',
        code: 'bad_upstream_response',
        message: `${this.provider}: unparseable generateContent response`,
        provider: this.provider,
      });
    }
    return convertGoogleResponse(parsed.data, this.modelId);
  }

  async stream(request: ChatRequest, options: CallOptions): Promise<ChatStream> {
    const res = await this.post('streamGenerateContent?alt=sse', request, options);
    if (res.status < 200 || res.status >= 300) {
      const text = await readText(res, this.provider, options.signal);
      throw googleHttpError({ provider: this.provider, status: res.status, headers: res.headers, rawText: text });
    }
    const provider = this.provider;
    return {
      headers: interestingHeaders(res.headers),
      [Symbol.asyncIterator]: (): AsyncIterator<StreamPart> =>
        googleStreamParts(sseEvents(res, provider, options.signal), provider)[Symbol.asyncIterator](),
    };
  }

  private async post(method: string, request: ChatRequest, options: CallOptions): Promise<UpstreamResponse> {
    const body = convertToGoogleRequest(request);
    return upstreamRequest({
      provider: this.provider,
      url: `${this.config.apiBase}/${googleModelPath(this.modelId)}:${method}`,
      headers: this.config.headers(options.apiKey),
      body,
      signal: options.signal,
      timeouts: this.config.timeouts,
    });
  }
}
