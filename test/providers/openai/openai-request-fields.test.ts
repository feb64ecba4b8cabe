import { createProvider } from '../../../gateway/providers';
import { convertToOpenAIRequest } from '../../../gateway/providers/openai/convert-to-openai-messages';
import { OPENAI_CHAT_FIELDS, OPENROUTER_EXTRA_FIELDS, openAIRequestFields } from '../../../gateway/providers/openai';
import type { ProviderSettings } from '../../../gateway/providers/provider';
import type { FakeServer } from '../../helpers/fake-server';
import { startOpenAIFake } from '../fakes/openai-fake';
import { OPENROUTER_EXTRAS, ROUTING_FIELDS as ROUTING } from '../openrouter-fields';
import { chatRequest, collect, openaiSettings } from './openai-test-helpers';

const OPENAI_EXTRAS = { prediction: { type: 'content', content: 'x' }, store: false, metadata: { a: 'b' }, verbosity: 'low', logit_bias: { '50256': -100 } };

describe('convertToOpenAIRequest: a whitelist of top-level fields per kind', () => {
  const request = chatRequest({ ...OPENROUTER_EXTRAS, ...ROUTING, ...OPENAI_EXTRAS, data_sources: [{ type: 'azure_search' }], some_future_field: 1 });

  it('openai: only OpenAI Chat Completions fields; OpenRouter reasoning.effort → reasoning_effort', () => {
    const body = convertToOpenAIRequest(request, 'gpt-4o', false, openAIRequestFields('openai'));
    expect(Object.keys(body).every((k) => (OPENAI_CHAT_FIELDS as readonly string[]).includes(k))).toBe(true);
    expect(body).toEqual({ model: 'gpt-4o', messages: request.messages, ...OPENAI_EXTRAS, reasoning_effort: 'high' });
  });

  it('a reasoning_effort the client set wins over reasoning.effort', () => {
    const body = convertToOpenAIRequest(chatRequest({ reasoning: { effort: 'high' }, reasoning_effort: 'low' }), 'o3', false, openAIRequestFields('openai'));
    expect(body.reasoning_effort).toBe('low');
  });

  it('azure: OpenAI fields plus data_sources', () => {
    const body = convertToOpenAIRequest(request, 'my-4o', false, openAIRequestFields('azure'));
    expect(body).toEqual({ model: 'my-4o', messages: request.messages, ...OPENAI_EXTRAS, data_sources: [{ type: 'azure_search' }], reasoning_effort: 'high' });
  });

  it('custom: OpenAI fields only, unless it declares itself OpenRouter-compatible', () => {
    expect(convertToOpenAIRequest(request, 'm', false, openAIRequestFields('custom'))).toEqual(convertToOpenAIRequest(request, 'm', false, openAIRequestFields('openai')));
    const body = convertToOpenAIRequest(request, 'm', false, openAIRequestFields('custom', true));
    expect(body).toEqual({ model: 'm', messages: request.messages, ...OPENAI_EXTRAS, ...OPENROUTER_EXTRAS });
    for (const k of OPENROUTER_EXTRA_FIELDS) expect(body).toHaveProperty(k);
  });

  it('custom: the extra fields its configuration names are forwarded too (vLLM guided decoding), nothing else', () => {
    const vllm = chatRequest({ guided_json: { type: 'object' }, chat_template_kwargs: { enable_thinking: false }, top_k: 20, min_p: 0.1 });
    const body = convertToOpenAIRequest(vllm, 'm', false, openAIRequestFields('custom', false, ['guided_json', 'chat_template_kwargs', 'top_k']));
    expect(body).toMatchObject({ guided_json: { type: 'object' }, chat_template_kwargs: { enable_thinking: false }, top_k: 20 });
    expect(body).not.toHaveProperty('min_p');
    expect(openAIRequestFields('openai', false, ['guided_json']).has('guided_json')).toBe(false); // only custom endpoints
  });

  it('routing fields (models, route, provider, circuit_breaker) are ours: never forwarded, whatever the kind', () => {
    for (const fields of [openAIRequestFields('openai'), openAIRequestFields('azure'), openAIRequestFields('custom', true)]) {
      const body = convertToOpenAIRequest(request, 'm', true, fields);
      for (const k of Object.keys(ROUTING)) expect(body).not.toHaveProperty(k);
      expect(body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    }
  });
});

describe('the strict fakes receive only what their API accepts', () => {
  let openai: FakeServer;
  let openrouter: FakeServer;
  beforeAll(async () => {
    openai = await startOpenAIFake();
    openrouter = await startOpenAIFake({ openrouter: true });
  });
  afterAll(async () => {
    await openai.close();
    await openrouter.close();
  });
  const lastBody = (fake: FakeServer): Record<string, unknown> => fake.requests.at(-1)?.body as Record<string, unknown>;
  const ask = chatRequest({ ...OPENROUTER_EXTRAS, ...ROUTING, stream: true });
  const model = (s: ProviderSettings) => createProvider(s).chatModel('gpt-4o');

  it('openai: no usage, plugins, top_k …, and no 400', async () => {
    const parts = await collect(await model(openaiSettings(openai.url)).stream(ask, {}));
    expect(parts.some((p) => p.type === 'finish')).toBe(true);
    const body = lastBody(openai);
    for (const k of [...Object.keys(OPENROUTER_EXTRAS), ...Object.keys(ROUTING)]) expect(body).not.toHaveProperty(k);
  });

  it('custom with openrouter_compatible: the OpenRouter samplers and usage accounting arrive', async () => {
    await collect(await model(openaiSettings(openrouter.url, { name: 'router', kind: 'custom', openrouterCompatible: true })).stream(ask, {}));
    const body = lastBody(openrouter);
    expect(body).toMatchObject({ ...OPENROUTER_EXTRAS, stream: true });
    for (const k of Object.keys(ROUTING)) expect(body).not.toHaveProperty(k);
  });
});
