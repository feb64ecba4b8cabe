import { request } from 'undici';
import type { FakeServer } from '../../helpers/fake-server';
import { startOllamaFake } from '../fakes/ollama-fake';

/** The fake must be as strict as Ollama, or the adapter tests prove nothing. */
let fake: FakeServer;
beforeAll(async () => {
  fake = await startOllamaFake({ models: ['llama3.2:latest'] });
});
afterAll(async () => {
  await fake.close();
});

async function post(path: string, body: unknown): Promise<{ status: number; body: unknown; contentType: string | undefined }> {
  const res = await request(`${fake.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    /* NDJSON */
  }
  return { status: res.statusCode, body: parsed, contentType: res.headers['content-type'] as string | undefined };
}

const user = { role: 'user', content: 'hi' };

describe('ollama fake strictness', () => {
  it.each([
    ['unknown role', { messages: [{ role: 'developer', content: 'x' }] }],
    ['data: prefix in images', { messages: [{ ...user, images: ['data:image/png;base64,AAAA'] }] }],
    ['string tool-call arguments', { messages: [{ role: 'assistant', content: '', tool_calls: [{ function: { name: 'f', arguments: '{"a":1}' } }] }] }],
    ['missing model', { model: '' }],
    ['options.stop as a string', { options: { stop: 'END' } }],
  ])('rejects %s with 400 {"error"}', async (_name, patch) => {
    const res = await post('/api/chat', { model: 'llama3.2', messages: [user], stream: false, ...patch });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: expect.any(String) });
  });

  it('answers an unknown model with Ollama’s 404 text', async () => {
    const res = await post('/api/chat', { model: 'x', messages: [user] });
    expect(res).toMatchObject({ status: 404, body: { error: 'model "x" not found, try pulling it first' } });
  });

  it('streams NDJSON when stream is absent, one JSON object with stream:false', async () => {
    const streamed = await post('/api/chat', { model: 'llama3.2', messages: [user] });
    expect(streamed.contentType).toBe('application/x-ndjson');
    const lines = String(streamed.body).trim().split('\n').map((l) => JSON.parse(l) as { done: boolean });
    expect(lines[lines.length - 1]?.done).toBe(true);
    expect(lines.slice(0, -1).every((l) => !l.done)).toBe(true);
    const whole = await post('/api/chat', { model: 'llama3.2', messages: [user], stream: false });
    expect(whole.body).toMatchObject({ done: true, done_reason: 'stop', message: { role: 'assistant', content: 'Echo: hi' } });
  });

  it('serves /api/tags and validates /api/embed input', async () => {
    const tags = await request(`${fake.url}/api/tags`);
    expect(await tags.body.json()).toMatchObject({ models: [{ name: 'llama3.2:latest', model: 'llama3.2:latest' }] });
    expect((await post('/api/embed', { model: 'llama3.2', input: [1, 2] })).status).toBe(400);
    expect((await post('/api/embed', { model: 'llama3.2', input: 'x' })).body).toMatchObject({ embeddings: [expect.any(Array)] });
  });
});
