import { getFreePort, isPortFree } from '../../temporal/dev-server';
import { type RunningProcess, runDist } from '../helpers/child-process';
import type { FakeServer } from '../helpers/fake-server';
import { createTemporalTestEnv, type TemporalTestEnv } from '../helpers/temporal-env';
import OpenAI from 'openai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startOpenAIFake } from '../providers/fakes/openai-fake';

/**
 * The real entry points as a user runs them (compiled `dist/`, built by `npm test`'s pretest):
 * the all-in-one `npm start` supervisor, and the split `npm run api` + `npm run worker` shape.
 */
jest.setTimeout(240_000);

let fake: FakeServer;
const running: RunningProcess[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  fake = await startOpenAIFake({ apiKeys: ['sk-proc-test'] });
});
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop('SIGKILL')));
  await fake?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function track(p: RunningProcess): RunningProcess {
  running.push(p);
  return p;
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: url.includes('temporal-ping') ? 'POST' : 'GET', headers: { 'content-type': 'application/json' }, body: url.includes('temporal-ping') ? '{"name":"e2e"}' : undefined });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('npm start: dev server on SQLite + worker + API, Temporal UI up, clean stop on SIGTERM', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-start-'));
  dirs.push(dataDir);
  const [port, devPort, uiPort] = [await getFreePort(), await getFreePort(), await getFreePort()];
  const p = track(
    runDist('scripts/start.js', {
      CB_DATA_DIR: dataDir,
      PORT: String(port),
      TEMPORAL_DEV_PORT: String(devPort),
      TEMPORAL_UI_PORT: String(uiPort),
      OPENAI_API_KEY: 'sk-proc-test',
      OPENAI_BASE_URL: `${fake.url}/v1`,
    }),
  );
  await p.waitForOutput('Circuit Breaker is running');
  expect(p.output()).toContain(`http://127.0.0.1:${port}`);
  expect(p.output()).toContain(`http://127.0.0.1:${uiPort}`);
  expect(fs.existsSync(path.join(dataDir, 'temporal.db'))).toBe(true);

  const client = new OpenAI({ apiKey: 'x', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
  const r = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'all in one' }] });
  expect(r.choices[0]?.message.content).toBe('Echo: all in one');

  const ping = await getJson(`http://127.0.0.1:${port}/v1/diagnostics/temporal-ping`);
  expect(ping.status).toBe(200);
  expect(ping.body.result).toMatch(/^pong: e2e @ /);
  expect(String(ping.body.temporalUiUrl)).toContain(`:${uiPort}/namespaces/default/workflows/ping-`);
  expect((await fetch(`http://127.0.0.1:${uiPort}/`)).status).toBe(200);
  expect((await getJson(`http://127.0.0.1:${port}/ready`)).body.status).toBe('ready');

  expect(await p.stop('SIGTERM')).toBe(0);
  expect(await isPortFree(devPort)).toBe(true); // no orphan dev server
  expect(await isPortFree(port)).toBe(true);
  expect(p.output()).not.toContain('sk-proc-test');
});

describe('split processes: npm run api + npm run worker', () => {
  let temporal: TemporalTestEnv;
  beforeAll(async () => {
    temporal = await createTemporalTestEnv({ started: false });
  });
  afterAll(async () => {
    await temporal?.dispose();
  });

  test('the API serves completions while Temporal is down, and workflows once it is up', async () => {
    const port = await getFreePort();
    const env = { TEMPORAL_ADDRESS: temporal.address, PORT: String(port), OPENAI_API_KEY: 'sk-proc-test', OPENAI_BASE_URL: `${fake.url}/v1`, TEMPORAL_TASK_QUEUE: 'split-test' };
    const api = track(runDist('api/main.js', env));
    await api.waitForOutput('Circuit Breaker API on');
    const base = `http://127.0.0.1:${port}`;

    const client = new OpenAI({ apiKey: 'x', baseURL: `${base}/v1`, maxRetries: 0 });
    const r = await client.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'no temporal' }] });
    expect(r.choices[0]?.message.content).toBe('Echo: no temporal');
    const ready = await getJson(`${base}/ready`);
    expect(ready.body.status).toBe('degraded');
    const ping = await getJson(`${base}/v1/diagnostics/temporal-ping`);
    expect(ping.status).toBe(503);
    expect(JSON.stringify(ping.body)).toContain('temporal_unavailable');

    const worker = track(runDist('workers/main.js', env));
    await temporal.start();
    await worker.waitForOutput('Worker polling task queue', 60_000);
    const deadline = Date.now() + 30_000;
    while ((await getJson(`${base}/ready`)).body.status !== 'ready' && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200));
    const ping2 = await getJson(`${base}/v1/diagnostics/temporal-ping`);
    expect(ping2.status).toBe(200);
    expect(ping2.body.result).toMatch(/^pong: e2e/);

    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(await api.stop('SIGTERM')).toBe(0);
  });
});
