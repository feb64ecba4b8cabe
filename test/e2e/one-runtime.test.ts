import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { getFreePort } from '../../temporal/dev-server';
import { type RunningProcess, runDist } from '../helpers/child-process';
import type { FakeServer } from '../helpers/fake-server';
import { createTemporalTestEnv, type TemporalTestEnv } from '../helpers/temporal-env';
import { startOpenAIFake } from '../providers/fakes/openai-fake';
import { PIPELINE_SEARCH_ATTRIBUTE_TYPES } from '../../pipelines/definition/search-attributes';

/**
 * `npm start` (the compiled supervisor: API + worker in one process) builds ONE gateway runtime: circuits opened
 * by /v1/chat/completions traffic are honoured by agent turns, routing reloads apply to agent turns, and an agent
 * step's retries belong to Temporal (one router pass per activity attempt). Providers are strict HTTP fakes.
 */
jest.setTimeout(240_000);

let temporal: TemporalTestEnv;
let alpha: FakeServer;
let beta: FakeServer;
let proc: RunningProcess;
let api: string;
let dir: string;
let configFile: string;

function config(teamModel: string): string {
  return [
    'providers:',
    '  - { name: alpha, kind: custom, base_url: "' + alpha.url + '/v1", api_key: sk-alpha, models: [m1] }',
    '  - { name: beta, kind: custom, base_url: "' + beta.url + '/v1", api_key: sk-beta, models: [m1, m2] }',
    'routing:',
    '  circuit_breaker: { consecutive_failures: 2, min_calls: 1000, cooldown_ms: 600000 }',
    '  retry: { max_attempts: 1 }',
    '  models:',
    `    team-model: ${teamModel}`,
    '',
  ].join('\n');
}

async function call(method: string, route: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${api}${route}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function runToEnd(definitionId: string): Promise<Record<string, unknown>> {
  const started = await call('POST', `/v1/workflows/${definitionId}/instances`, { initialData: { topic: 'one runtime' } });
  expect(started.status).toBe(201);
  const id = String(started.body.id);
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
    const view = await call('GET', `/v1/workflow-instances/${id}`);
    if (view.body.status !== 'running') return view.body;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`instance ${id} did not finish`);
}

const chatCalls = (f: FakeServer): number => f.requests.filter((r) => r.path.endsWith('/chat/completions')).length;

beforeAll(async () => {
  temporal = await createTemporalTestEnv({ searchAttributes: PIPELINE_SEARCH_ATTRIBUTE_TYPES });
  alpha = await startOpenAIFake({ apiKeys: ['sk-alpha'] });
  beta = await startOpenAIFake({ apiKeys: ['sk-beta'] });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-one-runtime-'));
  configFile = path.join(dir, 'cb.yaml');
  fs.writeFileSync(configFile, config('{ primary: alpha/m1, fallback: [beta/m1] }'));
  const port = await getFreePort();
  api = `http://127.0.0.1:${port}`;
  proc = runDist('scripts/start.js', { CB_DATA_DIR: dir, PORT: String(port), TEMPORAL_ADDRESS: temporal.address, CB_CONFIG: configFile, LOG_LEVEL: 'info' });
  await proc.waitForOutput('Circuit Breaker is running');
  const r = await call('POST', '/v1/workflow-definitions', {
    id: 'team_flow',
    name: 'Team flow',
    agents: [{ id: 'writer', role: 'Writer', model: 'team-model', prompts: { user_template: 'Write about {topic}' } }],
    steps: [{ agent: 'writer' }],
  });
  expect(r.status).toBe(201);
});

afterAll(async () => {
  await proc?.stop('SIGTERM');
  await Promise.all([alpha?.close(), beta?.close()]);
  await temporal?.dispose();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('a circuit opened by /v1/chat/completions traffic is honoured by the next agent turn', async () => {
  alpha.enqueue({ error: { status: 500, message: 'boom' } }, { error: { status: 500, message: 'boom' } });
  for (let i = 0; i < 2; i++) {
    const r = await call('POST', '/v1/chat/completions', { model: 'alpha/m1', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBeGreaterThanOrEqual(500);
  }
  const providers = await call('GET', '/v1/providers');
  const targets = (providers.body.data as Array<{ provider: string; targets: Array<{ target: string; circuit: string }> }>).flatMap((p) => p.targets);
  expect(targets.find((t) => t.target === 'alpha/m1')?.circuit).toBe('open');

  const before = chatCalls(alpha);
  const done = await runToEnd('team_flow');
  expect(done.status).toBe('completed');
  expect(chatCalls(alpha)).toBe(before); // the open target was not called by the agent
  const writer = (done.agents as Array<{ id: string; provider?: string }>).find((a) => a.id === 'writer');
  expect(writer?.provider).toBe('beta');
});

test('a routing change in the config file applies to the next agent turn', async () => {
  fs.writeFileSync(configFile, config('{ primary: beta/m2 }'));
  await proc.waitForOutput('routing configuration reloaded', 10_000);
  const before = beta.requests.length;
  const done = await runToEnd('team_flow');
  expect(done.status).toBe('completed');
  const sent = beta.requests.slice(before).map((r) => (r.body as { model?: string }).model);
  expect(sent).toEqual(['m2']);
});

test('an agent step against a failing provider: one upstream call per activity attempt, retries owned by Temporal', async () => {
  // beta/m1 answers 500 every time for this step (its circuit is set not to open within the step).
  // The router alone would try it 4 times per request (max_attempts); inside an activity it makes one pass.
  const cfg = config('{ primary: beta/m1 }').replace('consecutive_failures: 2', 'consecutive_failures: 50').replace('max_attempts: 1', 'max_attempts: 4, base_delay_ms: 10');
  fs.writeFileSync(configFile, cfg);
  await proc.waitForOutput(/routing configuration reloaded[\s\S]*routing configuration reloaded/, 10_000);
  const failures = Array.from({ length: 5 }, () => ({ error: { status: 500, message: 'still down' } }));
  beta.enqueue(...failures);
  const before = chatCalls(beta);
  const done = await runToEnd('team_flow');
  expect(done.status).toBe('failed');
  // The agent activity's retry policy: 5 attempts, each one router pass over the single candidate.
  expect(chatCalls(beta) - before).toBe(5);
  // Every attempt is Temporal's, so the history (what the Web UI shows) says attempt 5 and why it stopped.
  const connection = await Connection.connect({ address: temporal.address });
  try {
    const history = await new Client({ connection }).workflow.getHandle(String(done.id)).fetchHistory();
    const events = history.events ?? [];
    const started = events.flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes] : []));
    expect(started.map((a) => a.attempt)).toEqual([5]);
    const failed = events.find((e) => e.activityTaskFailedEventAttributes)?.activityTaskFailedEventAttributes;
    expect(failed?.failure?.message).toContain('still down');
  } finally {
    await connection.close();
  }
});
