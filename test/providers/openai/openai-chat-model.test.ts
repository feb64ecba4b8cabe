import { GatewayError } from '../../../gateway/core/errors';
import { createProvider } from '../../../gateway/providers';
import type { ProviderSettings } from '../../../gateway/providers/provider';
import type { FakeServer } from '../../helpers/fake-server';
import { startOpenAIFake, truncatedStream } from '../fakes/openai-fake';
import { chatRequest, collect, collectUntilError, openaiSettings } from './openai-test-helpers';

/** The OpenAI-compatible adapter (kinds openai, custom and azure) against the strict OpenAI fake. */
let openai: FakeServer;
let azure: FakeServer;
beforeAll(async () => {
  openai = await startOpenAIFake();
  azure = await startOpenAIFake({ azure: true });
});
afterAll(async () => {
  await openai.close();
  await azure.close();
});

const kinds: Array<[string, () => ProviderSettings]> = [
  ['openai', () => openaiSettings(openai.url)],
  ['custom', () => openaiSettings(openai.url, { name: 'my-vllm', kind: 'custom' })],
  ['azure', () => openaiSettings(azure.url, { name: 'azure', kind: 'azure', baseUrl: azure.url, apiVersion: '2024-10-21', deployments: { 'gpt-4o': 'my-4o' } })],
];
const fakeOf = (kind: string): FakeServer => (kind === 'azure' ? azure : openai);
const model = (settings: ProviderSettings) => createProvider(settings).chatModel('gpt-4o');

describe.each(kinds)('%s: stream completeness', (kind, settings) => {
  it('a whole stream: text, one finish, usage last', async () => {
    fakeOf(kind).enqueue({ text: 'one two' });
    const parts = await collect(await model(settings()).stream(chatRequest(), {}));
    expect(parts.map((p) => p.type)).toEqual(['metadata', 'text-delta', 'text-delta', 'finish', 'usage']);
  });

  it('an upstream that closes the stream cleanly without finish_reason (and without [DONE]) → stream_truncated after the text', async () => {
    fakeOf(kind).enqueue(truncatedStream({ text: 'half an answer' }));
    const { parts, error } = await collectUntilError(await model(settings()).stream(chatRequest(), {}));
    expect(parts.map((p) => p.type)).toEqual(['metadata', 'text-delta', 'text-delta', 'text-delta']);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 502, type: 'upstream_error', code: 'stream_truncated', provider: settings().name, retryable: true });
  });

  it('a stream with headers and no event at all fails on its first part (so the router can still fail over)', async () => {
    fakeOf(kind).enqueue(truncatedStream({ text: 'never sent' }, 0));
    const stream = await model(settings()).stream(chatRequest(), {});
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toMatchObject({ status: 502, code: 'stream_truncated', retryable: true });
  });
});

describe('openai: upstream answers through the one upstream-call helper', () => {
  const m = () => model(openaiSettings(openai.url));

  it('generate returns the upstream body byte for byte and its headers', async () => {
    openai.enqueue({ text: 'Paris.' });
    const r = await m().generate(chatRequest(), {});
    expect(r.choices[0]).toMatchObject({ content: 'Paris.', finishReason: { unified: 'stop', raw: 'stop' } });
    expect(JSON.parse(r.rawText ?? '')).toMatchObject({ object: 'chat.completion', system_fingerprint: 'fp_fake' });
    expect(r.headers?.['x-request-id']).toMatch(/^req_fake_/);
  });

  it('an HTTP error keeps the upstream status, message, code and Retry-After, before any part', async () => {
    openai.enqueue({ error: { status: 429, message: 'slow down', headers: { 'retry-after': '3' } } });
    await expect(m().stream(chatRequest(), {})).rejects.toMatchObject({ status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', retryAfterMs: 3000, provider: 'openai', message: 'openai: slow down' });
  });

  it('a 2xx body that is not a chat.completion → invalid_upstream_response (502, retryable)', async () => {
    openai.enqueue({ error: { status: 200, body: { unexpected: true } } });
    await expect(m().generate(chatRequest(), {})).rejects.toMatchObject({ status: 502, code: 'invalid_upstream_response', retryable: true, provider: 'openai' });
  });

  it('an unknown top-level field never reaches OpenAI (which would answer 400)', async () => {
    openai.enqueue({ text: 'ok' });
    const r = await m().generate(chatRequest({ top_k: 40, usage: { include: true }, plugins: [{ id: 'web' }] }), {});
    expect(r.choices[0]?.content).toBe('ok');
  });
});
