import net from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { FakeServer } from '../helpers/fake-server';
import { type GatewayHarness, rawRequest, startGateway } from '../helpers/gateway-harness';
import { startOpenAIFake } from '../providers/fakes/openai-fake';

/** The edge of the API: bad input, auth, limits, disconnects, keep-alive, mid-stream failures, secrets. */

const KEY = 'sk-super-secret-key-0123456789';
const TOKEN = 'cb-token-abcdef';
let fake: FakeServer;
let gw: GatewayHarness;
const logLines: string[] = [];

beforeAll(async () => {
  fake = await startOpenAIFake({ apiKeys: [KEY] });
  const sink = new Writable({ write: (chunk: Buffer, _e, cb) => (logLines.push(chunk.toString()), cb()) });
  gw = await startGateway(
    { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${fake.url}/v1`, CB_API_TOKENS: TOKEN, CB_BODY_LIMIT: '2kb', CB_KEEPALIVE_MS: '100' },
    { logger: pino({ level: 'info' }, sink) },
  );
});
afterAll(async () => {
  await gw?.close();
  await fake?.close();
});

const auth = { authorization: `Bearer ${TOKEN}` };
const url = (p: string): string => `${gw.api.url}${p}`;
type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };
const errorOf = (r: { json: () => unknown }): ErrorBody['error'] => {
  const body = r.json() as ErrorBody;
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  return body.error;
};

describe('bad input → clear 4xx in OpenAI shape', () => {
  test.each([['a control character', 'gpt-4o\u0001'], ['a newline', 'openai/gpt-4o\nx-evil: 1'], ['300 characters', `openai/${'m'.repeat(300)}`]])('a model name with %s → 400 naming model, before any upstream call', async (_what, model) => {
    const before = fake.requests.length;
    const r = await rawRequest(url('/v1/chat/completions'), { headers: auth, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }] }) });
    expect(r.status).toBe(400);
    expect(errorOf(r).param).toBe('model');
    expect(fake.requests.length).toBe(before);
  });
  test('malformed JSON', async () => {
    const r = await rawRequest(url('/v1/chat/completions'), { headers: auth, body: '{"model": "gpt-4o", "messages": [' });
    expect(r.status).toBe(400);
    expect(errorOf(r)).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });
  });
  test.each([
    [{ messages: [{ role: 'user', content: 'x' }] }, 'model'],
    [{ model: 'gpt-4o' }, 'messages'],
    [{ model: 'gpt-4o', messages: [] }, 'messages'],
    [{ model: 'gpt-4o', messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role'],
    [{ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], temperature: 3 }, 'temperature'],
    [{ model: 'gpt-4o', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id'],
    [{ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
    [{ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], stream_options: { include_usage: true } }, 'stream_options'],
  ])('%j → 400 naming %s', async (body, param) => {
    const r = await rawRequest(url('/v1/chat/completions'), { headers: auth, body: JSON.stringify(body) });
    expect(r.status).toBe(400);
    const e = errorOf(r);
    expect(e.type).toBe('invalid_request_error');
    expect(e.param).toBe(param);
    expect(e.message).toContain(param);
  });
  test('a JSON array body', async () => {
    const r = await rawRequest(url('/v1/chat/completions'), { headers: auth, body: '[1,2]' });
    expect(r.status).toBe(400);
    expect(errorOf(r).code).toBe('invalid_body');
  });
  test('body over CB_BODY_LIMIT → 413', async () => {
    const big = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(5000) }] });
    const r = await rawRequest(url('/v1/chat/completions'), { headers: auth, body: big });
    expect(r.status).toBe(413);
    expect(errorOf(r).code).toBe('request_too_large');
  });
  /** Like clients that send the whole body before reading (Python's urllib, many SDKs): write everything, then read. */
  function sendAllThenRead(route: string, body: Buffer, chunked: boolean): Promise<{ answer: string; error?: string }> {
    return new Promise((resolve) => {
      const { port } = new URL(gw.api.url);
      const socket = net.connect(Number(port), '127.0.0.1');
      let answer = '';
      let error: string | undefined;
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
      socket.on('close', () => resolve({ answer, ...(error ? { error } : {}) }));
      const framing = chunked ? 'transfer-encoding: chunked' : `content-length: ${body.length}`;
      socket.write(`POST ${route} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\ncontent-type: application/json\r\n${framing}\r\n\r\n`);
      socket.end(chunked ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]) : body);
    });
  }
  test.each([
    ['/v1/chat/completions', false],
    ['/v1/chat/completions', true],
    ['/v1/embeddings', false],
    ['/v1/embeddings', true],
  ])('a body far over the limit gets its 413, not a reset (%s, chunked: %s)', async (route, chunked) => {
    const r = await sendAllThenRead(route, Buffer.alloc(8 * 1024 * 1024, 'x'), chunked);
    expect(r.error).toBeUndefined();
    expect(r.answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.answer).toContain('"code":"request_too_large"');
    expect(r.answer.toLowerCase()).toContain('connection: close');
  });
  test.each(['/v1/chat/completions', '/v1/embeddings'])('Expect: 100-continue with a body over the limit: 413 at once, no invitation to send it (%s)', async (route) => {
    const { port } = new URL(gw.api.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1');
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.on('error', reject);
      socket.on('close', () => resolve(text));
      // Headers only: a client that asked to be invited never sends the body unless it gets 100 Continue.
      socket.write(`POST ${route} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\ncontent-type: application/json\r\ncontent-length: ${20 * 1024 * 1024}\r\nexpect: 100-continue\r\n\r\n`);
      socket.setTimeout(5_000, () => socket.end());
      socket.once('data', () => socket.end());
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).not.toContain('100 Continue');
    expect(answer).toContain('"code":"request_too_large"');
  });
  test('unknown route → 404', async () => {
    const r = await rawRequest(url('/v1/nope'), { headers: auth, body: '{}' });
    expect(r.status).toBe(404);
    expect(errorOf(r).code).toBe('unknown_url');
  });
  test('invalid embeddings input', async () => {
    const r = await rawRequest(url('/v1/embeddings'), { headers: auth, body: JSON.stringify({ model: 'text-embedding-3-small', input: [] }) });
    expect(r.status).toBe(400);
    expect(errorOf(r).param).toBe('input');
  });
});

describe('auth', () => {
  test('OPTIONS on a hook route needs the bearer token too (only the POST of a hook is answered before auth)', async () => {
    const r = await rawRequest(url('/v1/hooks/anything'), { method: 'OPTIONS' });
    expect(r.status).toBe(401);
  });
  test('every route but /health needs the bearer token', async () => {
    expect((await fetch(url('/health'))).status).toBe(200);
    const noAuth = await rawRequest(url('/v1/models'), { method: 'GET' });
    expect(noAuth.status).toBe(401);
    expect(errorOf(noAuth).type).toBe('authentication_error');
    expect((await rawRequest(url('/ready'), { method: 'GET', headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await rawRequest(url('/v1/models'), { method: 'GET', headers: auth })).status).toBe(200);
  });
  test('the SDK with the token works; x-request-id is echoed', async () => {
    const r = await rawRequest(url('/v1/chat/completions'), {
      headers: { ...auth, 'x-request-id': 'my-trace-42' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-request-id')).toBe('my-trace-42');
    const c = await gw.client({ apiKey: TOKEN }).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'yo' }] });
    expect(c.choices[0]?.message.content).toBe('Echo: yo');
  });
});

describe('readiness without Temporal', () => {
  test('/ready reports the Redis it is configured with: unreachable → degraded naming it (503 with ?strict=true)', async () => {
    const other = await startGateway({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${fake.url}/v1`, REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const r = await rawRequest(`${other.api.url}/ready`, { method: 'GET' });
      expect(r.status).toBe(200);
      const body = r.json() as { status: string; not_ready: string[]; checks: Record<string, { ready: boolean }> };
      expect(body.status).toBe('degraded');
      expect(body.not_ready.join(' ')).toContain('redis: 127.0.0.1:1');
      expect(body.checks.redis?.ready).toBe(false);
      expect((await rawRequest(`${other.api.url}/ready?strict=true`, { method: 'GET' })).status).toBe(503);
    } finally {
      await other.close();
    }
  });
  test('/ready is degraded and names Temporal; workflow routes answer 503; completions still work', async () => {
    const r = await rawRequest(url('/ready'), { method: 'GET', headers: auth });
    expect(r.status).toBe(200);
    const body = r.json() as { status: string; not_ready: string[] };
    expect(body.status).toBe('degraded');
    expect(body.not_ready.join(' ')).toContain('temporal');
    expect((await rawRequest(url('/ready?strict=true'), { method: 'GET', headers: auth })).status).toBe(503);
    const ping = await rawRequest(url('/v1/diagnostics/temporal-ping'), { headers: auth, body: '{}' });
    expect(ping.status).toBe(503);
    expect(errorOf(ping).code).toBe('temporal_unavailable');
  });
});

describe('streams', () => {
  test('a client that disconnects aborts the upstream call at once', async () => {
    fake.enqueue({ text: 'a b c d e f g h i j k l m n o p', chunkDelayMs: 150 });
    const ctrl = new AbortController();
    const before = fake.requests.length;
    const res = await fetch(url('/v1/chat/completions'), {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'go' }] }),
      signal: ctrl.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    ctrl.abort();
    await waitFor(() => fake.requests[before]?.closedEarly === true, 1000);
    expect(fake.requests[before]?.closedEarly).toBe(true);
  });

  test('non-streaming: disconnect while waiting aborts upstream too', async () => {
    fake.enqueue({ text: 'late', delayMs: 1500 });
    const before = fake.requests.length;
    const ctrl = new AbortController();
    const p = fetch(url('/v1/chat/completions'), {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'go' }] }),
      signal: ctrl.signal,
    }).catch(() => undefined);
    await waitFor(() => fake.requests.length > before, 1000);
    ctrl.abort();
    await p;
    await waitFor(() => fake.requests[before]?.closedEarly === true, 1000);
    expect(fake.requests[before]?.closedEarly).toBe(true);
  });

  test('keep-alive comments while waiting for the first token', async () => {
    fake.enqueue({ text: 'finally', delayMs: 350 });
    const r = await rawRequest(url('/v1/chat/completions'), { headers: auth, body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] }) });
    expect(r.status).toBe(200);
    expect(r.text.startsWith(': keep-alive\n\n')).toBe(true);
    expect(r.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  test('upstream drop mid-stream → an OpenAI error event, no [DONE], and the SDK throws cleanly', async () => {
    fake.enqueue({ text: 'one two three four five six', dropAfterChunks: 3 });
    const r = await rawRequest(url('/v1/chat/completions'), { headers: auth, body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] }) });
    expect(r.status).toBe(200);
    const events = r.text.split('\n\n').filter((e) => e.startsWith('data: '));
    expect(events.some((e) => e === 'data: [DONE]')).toBe(false);
    const last = JSON.parse(events[events.length - 1]!.slice(6)) as ErrorBody;
    expect(last.error.type).toBeDefined();
    expect(Object.keys(last.error).sort()).toEqual(['code', 'message', 'param', 'type']);

    fake.enqueue({ text: 'one two three four five six', dropAfterChunks: 3 });
    const stream = gw.client({ apiKey: TOKEN }).chat.completions.stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    await expect(stream.finalChatCompletion()).rejects.toThrow(/upstream/);
  });
});

test('an echoed key is redacted where upstream text enters: /v1/providers (last failure, key state) never shows it', async () => {
  fake.enqueue({ error: { status: 500, message: `upstream broke while using ${KEY}` } });
  const r = await rawRequest(url('/v1/chat/completions'), { headers: auth, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }) });
  expect(r.status).toBe(200); // the router's retry answered
  const providers = await rawRequest(url('/v1/providers'), { method: 'GET', headers: auth });
  expect(providers.text).not.toContain(KEY);
  const targets = (providers.json() as { data: Array<{ targets: Array<{ lastFailure?: { message: string } }> }> }).data.flatMap((p) => p.targets);
  expect(targets.map((t) => t.lastFailure?.message).join(' ')).toContain('[redacted]');
});

test('provider keys never appear in responses or logs, even when the upstream echoes them', async () => {
  fake.enqueue({ error: { status: 401, message: `Invalid key ${KEY} for org` } });
  const r = await rawRequest(url('/v1/chat/completions'), { headers: auth, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }) });
  expect(r.status).toBe(401);
  expect(r.text).not.toContain(KEY);
  expect(errorOf(r).message).toContain('[redacted]');
  expect(logLines.join('')).not.toContain(KEY);
  expect(logLines.join('')).not.toContain(TOKEN);
  expect(logLines.some((l) => l.includes('"provider":"openai"'))).toBe(true);
});

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}
