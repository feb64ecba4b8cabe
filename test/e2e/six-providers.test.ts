import type OpenAI from 'openai';
import type { FakeServer } from '../helpers/fake-server';
import { type GatewayHarness, rawRequest, startGateway } from '../helpers/gateway-harness';
import { startAnthropicFake } from '../providers/fakes/anthropic-fake';
import { startGoogleFake } from '../providers/fakes/google-fake';
import { startOllamaFake } from '../providers/fakes/ollama-fake';
import { startOpenAIFake } from '../providers/fakes/openai-fake';

/**
 * End to end, per provider kind: the official `openai` npm client talks to the running gateway, which talks
 * to a strict local fake of each provider's real wire format. Every answer must be OpenAI-exact.
 */

type Kind = 'openai' | 'anthropic' | 'google' | 'ollama' | 'azure' | 'custom';
const fakes = {} as Record<Kind, FakeServer>;
let gw: GatewayHarness;
let client: OpenAI;

beforeAll(async () => {
  fakes.openai = await startOpenAIFake({ apiKeys: ['sk-openai-1'] });
  fakes.anthropic = await startAnthropicFake({ apiKeys: ['sk-ant-1'] });
  fakes.google = await startGoogleFake({ apiKeys: ['g-key-1'] });
  fakes.ollama = await startOllamaFake({ models: ['llama3.2:latest'] });
  fakes.azure = await startOpenAIFake({ apiKeys: ['az-key-1'], azure: true });
  fakes.custom = await startOpenAIFake({ apiKeys: ['custom-key-1'] });
  gw = await startGateway({
    OPENAI_API_KEY: 'sk-openai-1',
    OPENAI_BASE_URL: `${fakes.openai.url}/v1`,
    ANTHROPIC_API_KEY: 'sk-ant-1',
    ANTHROPIC_BASE_URL: fakes.anthropic.url,
    GOOGLE_API_KEY: 'g-key-1',
    GOOGLE_BASE_URL: fakes.google.url,
    OLLAMA_BASE_URL: fakes.ollama.url,
    AZURE_OPENAI_ENDPOINT: fakes.azure.url,
    AZURE_OPENAI_API_KEY: 'az-key-1',
    AZURE_OPENAI_API_VERSION: '2024-10-21',
    AZURE_OPENAI_DEPLOYMENTS: 'gpt-4o=prod-gpt4o',
    CUSTOM_LLM_ENDPOINT: `${fakes.custom.url}/v1`,
    CUSTOM_LLM_API_KEY: 'custom-key-1',
    CUSTOM_LLM_MODELS: 'my-model',
  });
  client = gw.client();
});

afterAll(async () => {
  await gw?.close();
  await Promise.all(Object.values(fakes).map((f) => f.close()));
});

const cases: Array<{ kind: Kind; model: string; provider: string; upstreamModel: string }> = [
  { kind: 'openai', model: 'gpt-4o', provider: 'openai', upstreamModel: 'gpt-4o' },
  { kind: 'anthropic', model: 'claude-3-5-sonnet-latest', provider: 'anthropic', upstreamModel: 'claude-3-5-sonnet-latest' },
  { kind: 'google', model: 'google/gemini-2.0-flash', provider: 'google', upstreamModel: 'gemini-2.0-flash' },
  { kind: 'ollama', model: 'ollama/llama3.2', provider: 'ollama', upstreamModel: 'llama3.2' },
  { kind: 'azure', model: 'azure/gpt-4o', provider: 'azure', upstreamModel: 'prod-gpt4o' },
  { kind: 'custom', model: 'custom/my-model', provider: 'custom', upstreamModel: 'my-model' },
];

const weatherTool: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
const timeTool: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } },
};

test('/v1/models lists every configured provider, Ollama discovered live', async () => {
  const list = await client.models.list();
  const ids = list.data.map((m) => m.id);
  expect(ids).toEqual(expect.arrayContaining(['openai/gpt-4o', 'anthropic/claude-3-5-sonnet-latest', 'google/gemini-2.0-flash', 'azure/gpt-4o', 'custom/my-model']));
  expect(ids.some((id) => id.startsWith('ollama/llama3.2'))).toBe(true);
  expect(ids.some((id) => id.startsWith('demo/'))).toBe(false);
  for (const m of list.data) expect(m).toMatchObject({ object: 'model', owned_by: expect.any(String) as string, created: expect.any(Number) as number });
  const one = await client.models.retrieve('openai/gpt-4o');
  expect(one.id).toBe('openai/gpt-4o');
});

test('embeddings through OpenAI, Azure and Ollama', async () => {
  for (const model of ['text-embedding-3-small', 'ollama/nomic-embed-text']) {
    const r = await client.embeddings.create({ model, input: ['a', 'bb'] }).catch((e: unknown) => e);
    if (model.startsWith('ollama')) {
      // the fake has not pulled nomic-embed-text: a clean 404 from upstream
      expect((r as { status?: number }).status).toBe(404);
      continue;
    }
    const ok = r as OpenAI.Embeddings.CreateEmbeddingResponse;
    expect(ok.object).toBe('list');
    expect(ok.data).toHaveLength(2);
    expect(Array.isArray(ok.data[0]?.embedding)).toBe(true);
  }
});

test('encoding_format base64 is little-endian float32 for translated providers too (Google)', async () => {
  const floats = await client.embeddings.create({ model: 'google/text-embedding-004', input: 'abc', encoding_format: 'float' });
  const res = await rawRequest(`${gw.api.url}/v1/embeddings`, { body: JSON.stringify({ model: 'google/text-embedding-004', input: 'abc', encoding_format: 'base64' }) });
  const b64 = (res.json() as { data: Array<{ embedding: string }> }).data[0]?.embedding ?? '';
  const buf = Buffer.from(b64, 'base64');
  const decoded = Array.from({ length: buf.length / 4 }, (_, i) => buf.readFloatLE(i * 4));
  const vector = floats.data[0]?.embedding ?? [];
  expect(decoded).toHaveLength(vector.length);
  vector.forEach((v, i) => expect(decoded[i]).toBeCloseTo(v, 6));
});

test('unknown model → 404 in OpenAI shape naming what is configured', async () => {
  const res = await rawRequest(`${gw.api.url}/v1/chat/completions`, { body: JSON.stringify({ model: 'nope-9000', messages: [{ role: 'user', content: 'x' }] }) });
  expect(res.status).toBe(404);
  const body = res.json() as { error: { message: string; type: string; param: string | null; code: string | null } };
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error.code).toBe('model_not_found');
  expect(body.error.message).toContain('openai, anthropic, google, ollama, azure, custom');
});

test('the same routes answer under /api/v1 (OpenRouter base URL)', async () => {
  const r = await gw.client({ baseURL: `${gw.api.url}/api/v1` }).chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'ping' }] });
  expect(r.choices[0]?.message.content).toBe('Echo: ping');
});

// Last: each block ends with an upstream 429, after which that provider's only key waits out its Retry-After.
describe.each(cases)('$kind through the gateway', ({ kind, model, provider, upstreamModel }) => {
  test('plain completion is OpenAI-exact and says who answered', async () => {
    fakes[kind].enqueue({ text: 'Hello there!', usage: { input: 11, output: 3 } });
    const { data, response } = await client.chat.completions
      .create({ model, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello' }] })
      .withResponse();
    expect(response.headers.get('x-cb-provider')).toBe(provider);
    expect(response.headers.get('x-cb-model')).toBe(upstreamModel);
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(data.object).toBe('chat.completion');
    expect(data.choices).toHaveLength(1);
    expect(data.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'Hello there!' });
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 });
    expect(typeof data.id).toBe('string');
    expect(typeof data.created).toBe('number');
  });

  test('streamed completion passes the SDK stream helper, with the usage chunk', async () => {
    fakes[kind].enqueue({ text: 'One two three four', usage: { input: 5, output: 4 } });
    const stream = client.chat.completions.stream({ model, messages: [{ role: 'user', content: 'Count' }], stream_options: { include_usage: true } });
    const deltas: string[] = [];
    stream.on('content', (d) => deltas.push(d));
    const final = await stream.finalChatCompletion();
    expect(deltas.join('')).toBe('One two three four');
    expect(final.choices[0]?.message.content).toBe('One two three four');
    expect(final.choices[0]?.finish_reason).toBe('stop');
    expect(final.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
  });

  test('parallel tool calls, non-streaming', async () => {
    fakes[kind].enqueue({
      toolCalls: [
        { name: 'get_weather', arguments: { city: 'Paris' } },
        { name: 'get_time', arguments: { tz: 'Europe/Paris' } },
      ],
      finish: 'tool_calls',
    });
    const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Weather and time in Paris?' }], tools: [weatherTool, timeTool] });
    const calls = r.choices[0]?.message.tool_calls ?? [];
    expect(r.choices[0]?.finish_reason).toBe('tool_calls');
    expect(calls.map((c) => c.type === 'function' && [c.function.name, JSON.parse(c.function.arguments) as unknown])).toEqual([
      ['get_weather', { city: 'Paris' }],
      ['get_time', { tz: 'Europe/Paris' }],
    ]);
    expect(new Set(calls.map((c) => c.id)).size).toBe(2);
  });

  test('parallel tool calls, streamed through the SDK helper', async () => {
    fakes[kind].enqueue({
      toolCalls: [
        { name: 'get_weather', arguments: { city: 'Oslo' } },
        { name: 'get_time', arguments: { tz: 'Europe/Oslo' } },
      ],
      finish: 'tool_calls',
    });
    const stream = client.chat.completions.stream({ model, messages: [{ role: 'user', content: 'Oslo?' }], tools: [weatherTool, timeTool], tool_choice: 'required' });
    const final = await stream.finalChatCompletion();
    const calls = final.choices[0]?.message.tool_calls ?? [];
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(calls.map((c) => c.type === 'function' && [c.function.name, JSON.parse(c.function.arguments) as unknown])).toEqual([
      ['get_weather', { city: 'Oslo' }],
      ['get_time', { tz: 'Europe/Oslo' }],
    ]);
  });

  test('a tool result goes back upstream and the conversation continues', async () => {
    fakes[kind].enqueue({ text: 'It is 21°C in Paris.' });
    const before = fakes[kind].requests.length;
    const r = await client.chat.completions.create({
      model,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_abc', content: '{"temp_c":21}' },
      ],
    });
    expect(r.choices[0]?.message.content).toBe('It is 21°C in Paris.');
    const sent = JSON.stringify(fakes[kind].requests[before]?.body);
    expect(sent).toContain('21'); // the tool result reached the provider in its own format
    expect(sent).toContain('get_weather');
  });

  test('raw SSE: role first, [DONE] last, usage chunk with choices: []', async () => {
    fakes[kind].enqueue({ text: 'Hi you', usage: { input: 2, output: 2 } });
    const res = await rawRequest(`${gw.api.url}/v1/chat/completions`, {
      body: JSON.stringify({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = res.text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
    expect(events[events.length - 1]).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as { object: string; choices: Array<{ delta: { role?: string }; finish_reason: string | null }>; usage: unknown });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const usageChunk = chunks[chunks.length - 1];
    expect(usageChunk?.choices).toEqual([]);
    expect(usageChunk?.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(chunks.filter((c) => c.choices[0]?.finish_reason === 'stop')).toHaveLength(1);
  });

  test('an upstream error comes back in OpenAI shape with the upstream status', async () => {
    fakes[kind].enqueue({ error: { status: 429, message: 'slow down', headers: { 'retry-after': '7' } } });
    const err = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { status?: number }).status).toBe(429);
    expect((err as { headers?: Headers }).headers?.get('retry-after')).toBe('7');
    expect((err as { error?: { message?: string } }).error?.message).toContain(provider);
  });
});
