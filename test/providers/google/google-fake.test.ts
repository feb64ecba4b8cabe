import { request } from 'undici';
import type { FakeServer } from '../../helpers/fake-server';
import { startGoogleFake } from '../fakes/google-fake';

/** The fake must be as strict as Gemini, or the adapter tests prove nothing. */
let fake: FakeServer;
beforeAll(async () => {
  fake = await startGoogleFake({ apiKeys: ['k'] });
});
afterAll(() => fake.close());

async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = { 'x-goog-api-key': 'k' },
): Promise<{ status: number; json: unknown; text: string; contentType: string }> {
  const res = await request(`${fake.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, json, text, contentType: String(res.headers['content-type']) };
}

const GEN = '/v1beta/models/gemini-2.5-flash:generateContent';
const user = (text: string) => ({ role: 'user', parts: [{ text }] });

function expectInvalid(r: { status: number; json: unknown }, fragment: string): void {
  expect(r.status).toBe(400);
  expect(r.json).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
  expect((r.json as { error: { message: string } }).error.message).toContain(fragment);
}

describe('google fake strictness', () => {
  it('missing key → 403 PERMISSION_DENIED; unknown key → 400 API_KEY_INVALID; ?key= accepted', async () => {
    const none = await post(GEN, { contents: [user('x')] }, {});
    expect(none.status).toBe(403);
    expect(none.json).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED' } });
    const bad = await post(GEN, { contents: [user('x')] }, { 'x-goog-api-key': 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { status: 'INVALID_ARGUMENT', details: [{ reason: 'API_KEY_INVALID' }] } });
    expect((await post(`${GEN}?key=k`, { contents: [user('x')] }, {})).status).toBe(200);
  });

  it('rejects roles other than user/model', async () => {
    expectInvalid(await post(GEN, { contents: [{ role: 'system', parts: [{ text: 'x' }] }] }), 'valid role');
    expectInvalid(await post(GEN, { contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] }), 'valid role');
  });

  it('rejects a functionResponse without a name, and unbalanced function call / response turns', async () => {
    const call = { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }, { functionCall: { name: 'f', args: {} } }] };
    expectInvalid(await post(GEN, { contents: [user('x'), call, { role: 'user', parts: [{ functionResponse: { response: {} } }, { functionResponse: { name: 'f', response: {} } }] }] }), 'functionResponse.name');
    expectInvalid(await post(GEN, { contents: [user('x'), call, { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] }] }), 'number of function response parts');
  });

  it('rejects unknown fields in generationConfig and at top level, as Google does', async () => {
    expectInvalid(await post(GEN, { contents: [user('x')], generationConfig: { max_tokens: 5 } }), 'Unknown name "max_tokens"');
    expectInvalid(await post(GEN, { contents: [user('x')], temperature: 1 }), 'Unknown name "temperature"');
  });

  it('rejects JSON-Schema keys Gemini does not know, empty text and empty OBJECT parameters', async () => {
    expectInvalid(
      await post(GEN, {
        contents: [user('x')],
        generationConfig: { responseMimeType: 'application/json', responseSchema: { type: 'OBJECT', properties: { a: { type: 'STRING' } }, additionalProperties: false } },
      }),
      'Unknown name "additionalProperties"',
    );
    expectInvalid(await post(GEN, { contents: [user('')] }), 'empty text parameter');
    expectInvalid(
      await post(GEN, { contents: [user('x')], tools: [{ functionDeclarations: [{ name: 'f', parameters: { type: 'OBJECT', properties: {} } }] }] }),
      'should be non-empty for OBJECT type',
    );
  });

  it('streams SSE with \\r\\n\\r\\n separators for alt=sse and a JSON array without it', async () => {
    const sse = await post('/v1beta/models/m:streamGenerateContent?alt=sse', { contents: [user('ping')] });
    expect(sse.contentType).toBe('text/event-stream');
    expect(sse.text).toMatch(/^data: \{.*\}\r\n\r\n/);
    expect(sse.text).not.toContain('[DONE]');
    const arr = await post('/v1beta/models/m:streamGenerateContent', { contents: [user('ping')] });
    expect(Array.isArray(arr.json)).toBe(true);
    const last = (arr.json as Array<{ candidates: Array<{ finishReason?: string }> }>).at(-1);
    expect(last?.candidates[0]?.finishReason).toBe('STOP');
  });

  it('echoes the last user text by default', async () => {
    const r = await post(GEN, { contents: [user('first'), { role: 'model', parts: [{ text: 'ok' }] }, user('second')] });
    expect(r.json).toMatchObject({ candidates: [{ content: { role: 'model', parts: [{ text: 'Echo: second' }] }, finishReason: 'STOP', index: 0 }] });
  });

  it('batchEmbedContents: validates the per-request model and the 100-request limit', async () => {
    const emb = '/v1beta/models/text-embedding-004:batchEmbedContents';
    const ok = await post(emb, { requests: [{ model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] } }] });
    expect(ok.json).toMatchObject({ embeddings: [{ values: expect.any(Array) }] });
    expectInvalid(await post(emb, { requests: [{ model: 'models/other', content: { parts: [{ text: 'a' }] } }] }), 'model');
    const many = Array.from({ length: 101 }, () => ({ model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] } }));
    expectInvalid(await post(emb, { requests: many }), 'at most 100');
  });
});
