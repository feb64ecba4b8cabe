import type { CallOptions, ChatModel, ChatStream } from '../../core/chat-model';
import type { ChatRequest } from '../../core/chat-request';
import type { ChatResult } from '../../core/chat-result';
import { chatStream, jsonResponseHandler, postJson, type PostJsonRequest, sseEvents, streamResponseHandler } from '../../http';
import { convertGoogleResponse } from './convert-google-response';
import { convertToGoogleRequest } from './convert-to-google-messages';
import { googleModelPath, interestingHeaders, type GoogleModelConfig } from './google-config';
import { googleHttpError } from './google-error';
import { googleResponseSchema } from './google-schemas';
import { googleStreamParts } from './google-stream';
import { ProviderModel } from '../provider-model';

const generateContentHandler = jsonResponseHandler(googleResponseSchema, 'generateContent response');

/** A Gemini model over the Generative Language API v1beta (`:generateContent`, `:streamGenerateContent`). */
export class GoogleChatModel extends ProviderModel<GoogleModelConfig> implements ChatModel {
  readonly kind = 'google' as const;

  async generate(request: ChatRequest, options: CallOptions): Promise<ChatResult> {
    const { value } = await postJson(this.post('generateContent', request, options, generateContentHandler));
    return convertGoogleResponse(value, this.modelId);
  }

  async stream(request: ChatRequest, options: CallOptions): Promise<ChatStream> {
    const res = await postJson(this.post('streamGenerateContent?alt=sse', request, options, streamResponseHandler));
    const parts = googleStreamParts(sseEvents(res, this.provider, options.signal), this.provider);
    return chatStream({ provider: this.provider, headers: interestingHeaders(res.headers), response: res, parts });
  }

  private post<T>(method: string, request: ChatRequest, options: CallOptions, successfulResponseHandler: PostJsonRequest<T>['successfulResponseHandler']): PostJsonRequest<T> {
    return {
      provider: this.provider,
      url: `${this.config.apiBase}/${googleModelPath(this.modelId)}:${method}`,
      headers: this.config.headers(options.apiKey),
      body: convertToGoogleRequest(request),
      signal: options.signal,
      timeouts: this.config.timeouts,
      failedResponseHandler: googleHttpError,
      successfulResponseHandler,
    };
  }
}
