import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import OpenAI from 'openai';
import pino from 'pino';
import { getFreePort } from '../../temporal/dev-server';
import { REPO_ROOT, type RunningProcess, runDist } from '../helpers/child-process';
import type { FakeServer } from '../helpers/fake-server';
import { type GatewayHarness, rawRequest, startGateway } from '../helpers/gateway-harness';
import { startOpenAIFake } from '../providers/fakes/openai-fake';

/**
 * Rate limits at the API: per-caller requests per minute through one gateway (429 in OpenAI's shape, as the
 * official SDK sees it), and one limit enforced by two API processes sharing Redis (compiled `dist/`, built
 * by `npm test`'s pretest; runs when REDIS_URL is set, as `.ci/run` does).
 */
jest.setTimeout(120_000);

const KEY = 'sk-rate-test';
const chatBody = (text: string): string => JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: text }] });
type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

let fake: FakeServer;
beforeAll(async () => {
  fake = await startOpenAIFake({ apiKeys: [KEY] });
});
afterAll(async () => {
  await fake?.close();
});

describe('one gateway, CB_RATE_LIMIT_RPM=3', () => {
  let gw: GatewayHarness;
  beforeAll(async () => {
    gw = await startGateway({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${fake.url}/v1`, CB_API_TOKENS: 'tok-a,tok-b,tok-c', CB_RATE_LIMIT_RPM: '3' });
  });
  afterAll(async () => {
    await gw?.close();
  });
  const post = (token: string, body: string) => rawRequest(`${gw.api.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${token}` }, body });

  test('the 4th request of a token gets 429 with Retry-After and x-ratelimit headers; another token is unaffected', async () => {
    for (let i = 1; i <= 3; i++) {
      const ok = await post('tok-a', chatBody(`hello ${i}`));
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-ratelimit-limit-requests')).toBe('3');
      expect(ok.headers.get('x-ratelimit-remaining-requests')).toBe(String(3 - i));
      expect(ok.headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+(\.\d+)?s|\d+ms|1m0s)$/);
    }
    // Not a chat request: no admission, the route's 400 (and no 429).
    expect((await post('tok-a', '{"model":"gpt-4o"}')).status).toBe(400);

    const limited = await post('tok-a', chatBody('one too many'));
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+(\.\d+)?s|\d+ms|1m0s)$/);
    expect(limited.headers.get('x-request-id')).toBeTruthy();
    const body = limited.json() as ErrorBody;
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null });
    expect(body.error.message).toMatch(/per-caller limit.*requests per minute.*limit 3.*try again in \S+s/);

    const other = await post('tok-b', chatBody('unaffected'));
    expect(other.status).toBe(200);
    expect(other.headers.get('x-ratelimit-remaining-requests')).toBe('2');
  });

  test('the official openai SDK (maxRetries 0) sees a RateLimitError', async () => {
    const client = gw.client({ apiKey: 'tok-c' });
    for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    const err: unknown = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const e = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(e.status).toBe(429);
    expect(e.code).toBe('rate_limit_exceeded');
    expect(e.type).toBe('rate_limit_error');
    expect(Number(e.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(e.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
  });
});

test('Redis unreachable: the gateway still answers and limits in-process, with a warning logged', async () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()) });
  const gw = await startGateway({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${fake.url}/v1`, CB_RATE_LIMIT_RPM: '2', REDIS_URL: 'redis://127.0.0.1:1' }, { logger: pino({ level: 'info' }, sink) });
  try {
    const post = () => rawRequest(`${gw.api.url}/v1/chat/completions`, { body: chatBody('redis down') });
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(429);
    expect(lines.join('')).toMatch(/Rate limits: Redis unavailable .*counting in this process only/);
  } finally {
    await gw.close();
  }
});

const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL) console.log('rate-limits e2e: REDIS_URL is not set — the two-process Redis test was NOT run');
(REDIS_URL ? describe : describe.skip)('two API processes sharing Redis', () => {
  const running: RunningProcess[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-rate-'));
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop('SIGKILL')));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('enforce one limit: rpm 4 across both, requests alternating → exactly 4 succeed', async () => {
    if (!fs.existsSync(path.join(REPO_ROOT, 'dist/gateway/rate-limits/rate-limiter.js'))) throw new Error('dist/ is missing the rate limiter: run `npm run -s build` first (npm test does)');
    const prefix = `cb-rl-e2e-${process.pid}-${Date.now().toString(36)}`;
    const ports = [await getFreePort(), await getFreePort()];
    const env = (port: number): Record<string, string> => ({
      PORT: String(port),
      HOST: '127.0.0.1',
      CB_DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      OPENAI_API_KEY: KEY,
      OPENAI_BASE_URL: `${fake.url}/v1`,
      CB_API_TOKENS: 'tok-shared',
      CB_RATE_LIMIT_RPM: '4',
      REDIS_URL: REDIS_URL ?? '',
      CB_RATE_LIMIT_PREFIX: prefix,
    });
    const procs = ports.map((port) => runDist('api/main.js', env(port)));
    running.push(...procs);
    await Promise.all(procs.map((p) => p.waitForOutput('Circuit Breaker API on')));

    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await rawRequest(`http://127.0.0.1:${ports[i % 2]}/v1/chat/completions`, { headers: { authorization: 'Bearer tok-shared' }, body: chatBody(`req ${i}`) });
      statuses.push(r.status);
      if (r.status === 429) expect(r.headers.get('x-ratelimit-limit-requests')).toBe('4');
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);
    for (const p of procs) expect(p.output()).not.toMatch(/Redis unavailable/);
  });
});
