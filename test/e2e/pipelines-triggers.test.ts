import { createHmac } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { syncSchedule } from '../../pipelines/schedules';
import { ensureSearchAttributes } from '../../pipelines/search-attribute-setup';
import { createTemporalTestEnv } from '../helpers/temporal-env';
import { checkInitialData } from '../../pipelines/validate-initial-data';
import { type GatewayHarness, rawRequest, startGateway } from '../helpers/gateway-harness';
import { type ApiHarness, eventually, startApiHarness } from '../helpers/pipelines-api-harness';
import { readSse } from '../helpers/sse-client';

/**
 * Pipeline triggers and Temporal integration, all real: hooks (`POST /v1/hooks/<name>` with a payload mapping
 * and a secret), schedules (a definition with `schedule` becomes the Temporal Schedule `sched-<id>`), the
 * 503 while Temporal is down, and the instance view when no worker answers the state query.
 */
jest.setTimeout(180_000);

const SECRET = 'hook-secret-7f3a';
process.env.CB_TEST_HOOK_SECRET = SECRET;

const HOOKS = `
hooks:
  new_note:
    workflow: noted
    map: { topic: payload.meta.title, source: headers.x-source }
    secret_env: CB_TEST_HOOK_SECRET
  open_note:
    workflow: noted
`;

const NOTED = {
  id: 'noted',
  name: 'Noted',
  initialData: { type: 'object', required: ['topic'], properties: { topic: { type: 'string' }, source: { type: 'string' } } },
  agents: [{ id: 'noter', role: 'Note taker', model: 'openai/gpt-4o', prompts: { user_template: 'Note {topic} from {source?}' } }],
  steps: [{ agent: 'noter' }],
};

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ extraConfig: HOOKS });
  expect((await h.call('POST', '/v1/workflow-definitions', NOTED)).status).toBe(201);
});
afterAll(async () => {
  await h?.close();
});

function postHook(name: string, body: unknown, headers: Record<string, string>): ReturnType<typeof rawRequest> {
  return rawRequest(h.url(`/v1/hooks/${name}`), { method: 'POST', headers, body: JSON.stringify(body) });
}

describe('hooks', () => {
  const payload = { meta: { title: 'Quarterly report' }, url: 'http://127.0.0.1/doc' };

  test('an HMAC-signed event starts the configured definition with mapped initial data', async () => {
    const body = JSON.stringify(payload);
    const sig = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
    const r = await rawRequest(h.url('/v1/hooks/new_note'), { method: 'POST', headers: { 'x-cb-signature': sig, 'x-source': 'crm' }, body });
    expect(r.status).toBe(201);
    const started = r.json() as { id: string; workflowId: string; hook: string; streamUrl: string };
    expect(started).toMatchObject({ workflowId: 'noted', hook: 'new_note' });
    const sse = await readSse(started.streamUrl, { until: (m) => m.event === 'end' });
    const done = sse.messages.find((m) => m.event === 'AGENT_COMPLETED');
    expect(done?.data).toMatchObject({ output: 'Echo: Note Quarterly report from crm' });
    const got = await h.call('GET', `/v1/workflow-instances/${started.id}`);
    expect(got.body).toMatchObject({ status: 'completed', caller: 'hook:new_note' });
  });

  test('the shared-token header works too; a wrong secret → 401; unknown hook → 404', async () => {
    expect((await postHook('new_note', payload, { 'x-cb-hook-token': SECRET })).status).toBe(201);
    const bad = await postHook('new_note', payload, { 'x-cb-hook-token': 'nope' });
    expect(bad.status).toBe(401);
    expect(bad.json()).toMatchObject({ error: { code: 'invalid_hook_signature' } });
    expect((await postHook('new_note', payload, { 'x-cb-signature': 'sha256=00' })).status).toBe(401);
    expect((await postHook('nothing_here', payload, {})).status).toBe(404);
  });

  test('a hook without a mapping passes the payload through; bad data → 400 naming the field', async () => {
    expect((await postHook('open_note', { topic: 'as is' }, {})).status).toBe(201);
    const bad = await postHook('open_note', { title: 'no topic' }, {});
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ error: { param: 'initialData.topic' } });
  });
});

describe('schedules', () => {
  test('a definition with `schedule` becomes the Temporal Schedule sched-<id>; syncing again updates it in place', async () => {
    const def = { ...NOTED, id: 'nightly_note', name: 'Nightly note', schedule: { cron: '0 3 * * *', initialData: { topic: 'nightly' } } };
    expect((await h.call('POST', '/v1/workflow-definitions', def)).status).toBe(201);
    const described = await eventually(async () => h.client.schedule.getHandle('sched-nightly_note').describe().catch(() => undefined), 'the schedule');
    expect(described.spec.calendars?.length ?? 0).toBeGreaterThan(0);
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'pipelineWorkflow', taskQueue: h.gw.config.temporal.taskQueue });
    const args = (described.action as { args?: Array<{ definition: { id: string }; initialData: unknown }> }).args;
    expect(args?.[0]).toMatchObject({ definition: { id: 'nightly_note' }, initialData: { topic: 'nightly' } });

    const stored = (await h.call('GET', '/v1/workflow-definitions/nightly_note')).body as never;
    const opts = { taskQueue: h.gw.config.temporal.taskQueue, checkInitialData };
    expect(await syncSchedule(h.client, stored, opts)).toBe('updated');
    // A run it starts is a normal pipeline run (trigger it now instead of waiting for 03:00).
    await h.client.schedule.getHandle('sched-nightly_note').trigger();
    const run = await eventually(async () => {
      const r = await h.call('GET', '/v1/workflow-instances?workflowId=nightly_note');
      return (r.body.data as Array<{ id: string }>)[0];
    }, 'the scheduled run in visibility');
    expect(run.id).toMatch(/^pl-nightly_note-sched/);
    await h.client.schedule.getHandle('sched-nightly_note').delete();
  });
});

describe('Temporal access', () => {
  test('the pipeline search attributes are registered on a server that lacks them (once)', async () => {
    const bare = await createTemporalTestEnv();
    const connection = await Connection.connect({ address: bare.address });
    try {
      const client = new Client({ connection, namespace: bare.namespace });
      expect((await ensureSearchAttributes(client, bare.namespace)).sort()).toEqual(['CbCaller', 'CbDefinition', 'CbInstance']);
      expect(await ensureSearchAttributes(client, bare.namespace)).toEqual([]);
      expect(await ensureSearchAttributes(h.client, h.env.namespace)).toEqual([]);
    } finally {
      await connection.close();
      await bare.dispose();
    }
  });

  test('with Temporal down, instance routes answer 503 and definitions still work', async () => {
    const down: GatewayHarness = await startGateway({ CB_DATA_DIR: h.dataDir });
    try {
      const r = await rawRequest(`${down.api.url}/v1/workflows/noted/instances`, { method: 'POST', body: JSON.stringify({ initialData: { topic: 'x' } }) });
      expect(r.status).toBe(503);
      expect(r.json()).toMatchObject({ error: { code: 'temporal_unavailable' } });
      expect((await rawRequest(`${down.api.url}/v1/workflow-instances/pl-x`, { method: 'GET' })).status).toBe(503);
      expect((await rawRequest(`${down.api.url}/v1/workflow-definitions`, { method: 'GET' })).status).toBe(200);
    } finally {
      await down.close();
    }
  });

  test('with no worker polling, GET instance answers from describe() with a message saying why', async () => {
    const other = await startGateway({ CB_DATA_DIR: h.dataDir, TEMPORAL_TASK_QUEUE: 'nobody-polls-this' }, { temporalAddress: h.env.address });
    try {
      await other.temporal.waitUntilReady(10_000);
      const s = await rawRequest(`${other.api.url}/v1/workflows/noted/instances`, { method: 'POST', body: JSON.stringify({ initialData: { topic: 'x' } }) });
      expect(s.status).toBe(201);
      const id = (s.json() as { id: string }).id;
      const g = await rawRequest(`${other.api.url}/v1/workflow-instances/${id}`, { method: 'GET' });
      expect(g.status).toBe(200);
      expect(g.json()).toMatchObject({ id, workflowId: 'noted', status: 'running', message: expect.stringContaining('nobody-polls-this') });
      await h.client.workflow.getHandle(id).terminate('test over');
    } finally {
      await other.close();
    }
  });
});
