import http from 'node:http';
import { readSse, type SseMessage } from '../helpers/sse-client';
import { type ApiHarness, eventually, startApiHarness } from '../helpers/pipelines-api-harness';
import { expectCompleteStream, shape } from '../helpers/pipeline-stream-checks';

/**
 * The pipeline REST API end to end, all real: dev server (with the pipeline search attributes), the API, an
 * in-process worker running the pipeline activities, fake upstreams. Every run is watched over SSE.
 */
jest.setTimeout(180_000);

let h: ApiHarness;

const APPROVAL = {
  id: 'approval_flow',
  name: 'Approval flow',
  initialData: { type: 'object', required: ['topic'], properties: { topic: { type: 'string', minLength: 1 } } },
  agents: [
    { id: 'drafter', role: 'Drafter', model: 'openai/gpt-4o', prompts: { user_template: 'Draft a note about {topic}' } },
    { id: 'publisher', role: 'Publisher', model: 'openai/gpt-4o', prompts: { user_template: 'Publish {outputs.drafter}' } },
  ],
  steps: [{ agent: 'drafter' }, { wait_signal: 'approval', timeout: '10m', output: 'approval' }, { agent: 'publisher', rules: { equals: ['outputs.approval.approved', true] } }],
};

const FAILOVER = {
  id: 'failover_flow',
  name: 'Failover flow',
  agents: [{ id: 'writer', role: 'Writer', model: 'with-fallback', prompts: { user_template: 'Write about {topic}' } }],
  steps: [{ agent: 'writer' }],
};

/** What the fake OpenAI answers, in call order, where the default echo does not fit (JSON outputs). */
const BUILTIN_REPLIES: Record<string, Array<{ text: string }>> = {
  // research, outline, draft, review (rejected) → rewrite, review (approved) → edit: the review loop runs once.
  content_pipeline: [
    { text: 'Research notes.' },
    { text: 'An outline.' },
    { text: 'First draft.' },
    { text: '{"score": 5, "approved": false, "feedback": "Add an example."}' },
    { text: 'Second draft with an example.' },
    { text: '{"score": 9, "approved": true, "feedback": "Good."}' },
    { text: 'The final article.' },
  ],
  document_analysis: [{ text: 'The analysis.' }, { text: '{"passed": true, "issues": [], "confidence": 0.9}' }, { text: 'The summary.' }],
};

/** Built-in definitions and the initial data each run gets. */
const BUILTIN_INPUT: Record<string, Record<string, unknown>> = {
  content_pipeline: { topic: 'durable pipelines' },
  research_and_summarize: { topic: 'durable pipelines', depth: 'brief', audience: 'engineers' },
  document_analysis: { text: 'Temporal keeps workflow state durable. It was founded in 2019.', focus: 'claims' },
};

beforeAll(async () => {
  // A long liveness interval: the feeds here must end on their events alone (the periodic check never fires).
  h = await startApiHarness({ feedLivenessMs: 120_000 });
  for (const def of [APPROVAL, FAILOVER]) {
    const r = await h.call('POST', '/v1/workflow-definitions', def);
    expect(r.status).toBe(201);
  }
});
afterAll(async () => {
  await h?.close();
});

async function start(workflowId: string, initialData: unknown): Promise<{ id: string; streamUrl: string; temporalUiUrl: string; [k: string]: unknown }> {
  const r = await h.call('POST', `/v1/workflows/${workflowId}/instances`, { initialData });
  expect(r).toMatchObject({ status: 201 });
  return r.body as { id: string; streamUrl: string; temporalUiUrl: string };
}

const untilEnd = (m: SseMessage): boolean => m.event === 'end';

describe('built-in definitions', () => {
  test('are listed, and the JSON Schema of the format is published', async () => {
    const list = await h.call('GET', '/v1/workflow-definitions');
    expect(list.status).toBe(200);
    const ids = (list.body.data as Array<{ id: string }>).map((d) => d.id);
    expect(ids).toEqual(expect.arrayContaining(Object.keys(BUILTIN_INPUT)));
    const schema = await h.call('GET', '/v1/workflow-definitions/schema');
    expect(schema.status).toBe(200);
    expect(schema.body).toMatchObject({ $schema: expect.stringContaining('2020-12') });
    expect(JSON.stringify(schema.body)).toContain('user_template');
  });

  test.each(Object.keys(BUILTIN_INPUT))('%s runs end to end, streamed over SSE event by event', async (id) => {
    const def = (await h.call('GET', `/v1/workflow-definitions/${id}`)).body as { version: number; initial: string; agents: Array<{ id: string; role: string }> };
    h.openai.enqueue(...(BUILTIN_REPLIES[id] ?? []));
    const started = await start(id, BUILTIN_INPUT[id]);
    expect(started).toMatchObject({ workflowId: id, version: def.version, status: 'running', currentPlace: def.initial });
    expect(started.id).toMatch(new RegExp(`^pl-${id}-[0-9a-f]+$`));
    expect(started.agents).toEqual(def.agents.map((a) => ({ id: a.id, role: a.role, status: 'pending' })));
    expect(started.streamUrl).toBe(h.url(`/v1/workflow-instances/${started.id}/stream`));
    expect(started.temporalUiUrl).toBe(`${h.gw.config.temporal.uiUrl}/namespaces/default/workflows/${started.id}`);

    const sse = await readSse(started.streamUrl, { until: untilEnd });
    expect(sse.status).toBe(200);
    expect(sse.contentType).toMatch(/^text\/event-stream/);
    const events = expectCompleteStream(sse.messages, def.initial);
    const completedAgents = new Set(events.filter((e) => e.type === 'AGENT_COMPLETED').map((e) => e.agentId));
    expect(completedAgents.size).toBeGreaterThan(0);
    expect(events.some((e) => e.type === 'AGENT_CONTENT')).toBe(true);
    if (id === 'content_pipeline') {
      expect(events.filter((e) => e.type === 'WORKFLOW_TRANSITION').map((e) => e.to)).toEqual(['researched', 'outlined', 'drafted', 'reviewed', 'drafted', 'reviewed', 'done']);
      expect(events.filter((e) => e.type === 'COMPLETION')).toHaveLength(1);
    }

    const got = await h.call('GET', `/v1/workflow-instances/${started.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: started.id, workflowId: id, version: def.version, status: 'completed', temporalUiUrl: started.temporalUiUrl });
    expect((got.body.history as unknown[]).length).toBeGreaterThan(0);
    for (const a of got.body.agents as Array<{ id: string; status: string }>) if (completedAgents.has(a.id)) expect(a.status).toBe('completed');
    expect(got.body.usage).toMatchObject({ totalTokens: expect.any(Number) });

    // A subscriber that joins after the end gets the whole story, then the end.
    const late = await readSse(started.streamUrl, { until: untilEnd });
    expect(late.messages.map((m) => [m.event, m.id])).toEqual(sse.messages.map((m) => [m.event, m.id]));
  });
});

test('reconnecting with Last-Event-ID replays exactly what was missed, then follows live', async () => {
  h.openai.enqueue({ text: 'one two three four five six seven eight', chunkDelayMs: 60 });
  const started = await start('failover_flow', { topic: 'x' });
  const first = await readSse(started.streamUrl, { until: (m) => m.event === 'AGENT_CONTENT' });
  const lastId = first.messages[first.messages.length - 1]!.id!;
  const rest = await readSse(started.streamUrl, { headers: { 'last-event-id': lastId }, until: untilEnd });
  expect(Number(rest.messages[0]!.id)).toBeGreaterThan(Number(lastId));
  const whole = [...first.messages, ...rest.messages];
  const events = expectCompleteStream(whole, String(started.currentPlace));
  expect(events.filter((e) => e.type === 'AGENT_COMPLETED')[0]?.output).toBe('one two three four five six seven eight');
  // ?after= works like Last-Event-ID.
  const after = await readSse(`${started.streamUrl}?after=${lastId}`, { until: untilEnd });
  expect(after.messages.map((m) => m.id)).toEqual(rest.messages.map((m) => m.id));
});

describe('errors', () => {
  test('unknown workflow → 404; unknown instance → 404 (also on its stream)', async () => {
    const a = await h.call('POST', '/v1/workflows/no_such_pipeline/instances', { initialData: {} });
    expect(a.status).toBe(404);
    expect(a.body).toMatchObject({ error: { code: 'workflow_not_found', type: 'not_found_error' } });
    expect((await h.call('GET', '/v1/workflow-instances/pl-nope-123')).status).toBe(404);
    expect((await h.call('GET', '/v1/workflow-definitions/no_such_pipeline')).status).toBe(404);
    const s = await readSse(h.url('/v1/workflow-instances/pl-nope-123/stream'));
    expect(s.status).toBe(404);
  });

  test('invalid initial data → 400 naming the field', async () => {
    const missing = await h.call('POST', '/v1/workflows/approval_flow/instances', { initialData: {} });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: { code: 'invalid_initial_data', param: 'initialData.topic' } });
    expect(JSON.stringify(missing.body)).toContain('topic');
    const wrongType = await h.call('POST', '/v1/workflows/approval_flow/instances', { initialData: { topic: 42 } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body).toMatchObject({ error: { param: 'initialData.topic' } });
  });
});

test('human approval: WAITING_FOR_SIGNAL, then approve → the run goes on and completes; signalling it again → 409', async () => {
  const started = await start('approval_flow', { topic: 'pipelines' });
  const waiting = await readSse(started.streamUrl, { until: (m) => m.event === 'WAITING_FOR_SIGNAL' });
  expect(waiting.messages[waiting.messages.length - 1]!.data).toMatchObject({ signal: 'approval' });
  const got = await h.call('GET', `/v1/workflow-instances/${started.id}`);
  expect(got.body).toMatchObject({ status: 'waiting', waitingFor: { signal: 'approval' } });

  const bad = await h.call('POST', `/v1/workflow-instances/${started.id}/signal`, { type: 'maybe' });
  expect(bad.status).toBe(400);
  const ok = await h.call('POST', `/v1/workflow-instances/${started.id}/signal`, { type: 'approve', comment: 'ship it' });
  // Answered by the run itself (a validated update): 200 with what it took (it was 202, fire-and-forget).
  expect(ok.status).toBe(200);
  expect(ok.body).toEqual({ id: started.id, accepted: true, waitingFor: 'approval', signal: { type: 'approve', signal: 'approval', comment: 'ship it' } });
  const rest = await readSse(started.streamUrl, { headers: { 'last-event-id': waiting.messages[waiting.messages.length - 1]!.id! }, until: untilEnd });
  const events = [...waiting.messages, ...rest.messages];
  expect(shape(events.filter((m) => m.event !== 'end').map((m) => m.data as { type: string; agentId?: string })).filter((t) => t.startsWith('AGENT_COMPLETED'))).toEqual(['AGENT_COMPLETED:drafter', 'AGENT_COMPLETED:publisher']);
  expect(rest.messages[rest.messages.length - 1]).toMatchObject({ event: 'end', data: { status: 'completed' } });

  const again = await h.call('POST', `/v1/workflow-instances/${started.id}/signal`, { type: 'approve' });
  expect(again.status).toBe(409);
  expect(again.body).toMatchObject({ error: { code: 'instance_finished' } });
});

test('three concurrent subscribers: each gets the whole run and ends on COMPLETION; Temporal is asked once for all three', async () => {
  h.openai.enqueue({ text: 'one two three four five six', chunkDelayMs: 80 });
  const started = await start('failover_flow', { topic: 'sharing' });
  const before = h.pipelines.feeds.stats();
  const feeds = await Promise.all([0, 1, 2].map(() => readSse(started.streamUrl, { until: untilEnd })));
  const after = h.pipelines.feeds.stats();
  for (const f of feeds) {
    expectCompleteStream(f.messages, String(started.currentPlace));
    expect(f.messages.map((m) => m.id)).toEqual(feeds[0]!.messages.map((m) => m.id));
  }
  // One check when the instance's watch started (shared by the three feeds), none per subscriber, no polling:
  // the feeds learnt the end from the COMPLETION event.
  expect(after.livenessChecks - before.livenessChecks).toBe(1);
  expect(after.watchedInstances).toBe(0);
});

test('signal answers at once: 409 while the run is not waiting, 400 for a bad payload, 404 unknown, 200 with what the run took', async () => {
  h.openai.enqueue({ text: 'a slow draft in many little words', chunkDelayMs: 100 });
  const started = await start('approval_flow', { topic: 'answers' });
  const signal = (body: unknown, id = started.id) => h.call('POST', `/v1/workflow-instances/${id}/signal`, body);
  await readSse(started.streamUrl, { until: (m) => m.event === 'AGENT_CONTENT' });
  const early = await signal({ type: 'approve' });
  expect(early).toMatchObject({ status: 409, body: { error: { code: 'not_waiting_for_signal', type: 'invalid_request_error', param: 'id' } } });
  expect(String((early.body.error as { message: string }).message)).toContain('not waiting');

  const waiting = await readSse(started.streamUrl, { until: (m) => m.event === 'WAITING_FOR_SIGNAL' });
  expect((await signal({ type: 'approve', signal: 'publish' })).body).toMatchObject({ error: { code: 'not_waiting_for_signal' } });
  for (const [body, param] of [
    [{ type: 'maybe' }, 'type'],
    [{ type: 'input', data: [1, 2] }, 'data'],
    [{ type: 'approve', extra: true }, 'extra'],
    [{ type: 'approve', comment: 7 }, 'comment'],
  ] as const) {
    const r = await signal(body);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_value', param } });
  }
  expect((await signal({ type: 'approve' }, 'pl-approval_flow-000000000000')).status).toBe(404);

  const ok = await signal({ type: 'input', data: { note: 'fine' }, comment: 'go' });
  expect(ok).toMatchObject({ status: 200, body: { id: started.id, accepted: true, waitingFor: 'approval', signal: { type: 'input', signal: 'approval', data: { note: 'fine' }, comment: 'go' } } });
  const rest = await readSse(started.streamUrl, { headers: { 'last-event-id': waiting.messages.at(-1)!.id! }, until: untilEnd });
  expect(rest.messages.at(-1)).toMatchObject({ event: 'end', data: { status: 'completed' } });
  const got = await h.call('GET', `/v1/workflow-instances/${started.id}`);
  expect((got.body.outputs as Record<string, unknown>).approval).toEqual({ decision: 'input', approved: true, comment: 'go', data: { note: 'fine' } });
});

test('cancel: a waiting run is cancelled, its stream ends, and it lists as cancelled', async () => {
  const started = await start('approval_flow', { topic: 'to be cancelled' });
  await readSse(started.streamUrl, { until: (m) => m.event === 'WAITING_FOR_SIGNAL' });
  const follower = readSse(started.streamUrl, { until: untilEnd });
  const c = await h.call('POST', `/v1/workflow-instances/${started.id}/cancel`);
  expect(c).toMatchObject({ status: 202, body: { id: started.id, cancelRequested: true } });
  const s = await follower;
  expect(s.messages[s.messages.length - 1]).toMatchObject({ event: 'end', data: { status: 'cancelled' } });
  // The feed ended on the run's own CANCELLED event (no status polling).
  expect(s.messages[s.messages.length - 2]).toMatchObject({ event: 'CANCELLED', data: { type: 'CANCELLED', reason: 'cancelled', status: 'cancelled' } });
  const got = await h.call('GET', `/v1/workflow-instances/${started.id}`);
  expect(got.body).toMatchObject({ status: 'cancelled' });
  expect((await h.call('POST', `/v1/workflow-instances/${started.id}/cancel`)).status).toBe(409);
  const listed = await eventually(async () => {
    const r = await h.call('GET', '/v1/workflow-instances?status=cancelled&workflowId=approval_flow');
    const data = r.body.data as Array<{ id: string; status: string }>;
    return data.find((d) => d.id === started.id);
  }, 'the cancelled run in visibility');
  expect(listed.status).toBe('cancelled');
});

test('list filters by definition (search attribute CbDefinition) and status (ExecutionStatus)', async () => {
  const waiting = await start('approval_flow', { topic: 'stays running' });
  await readSse(waiting.streamUrl, { until: (m) => m.event === 'WAITING_FOR_SIGNAL' });
  const running = await eventually(async () => {
    const r = await h.call('GET', '/v1/workflow-instances?status=running&workflowId=approval_flow');
    expect(r.status).toBe(200);
    const data = r.body.data as Array<{ id: string }>;
    return data.some((d) => d.id === waiting.id) ? data : undefined;
  }, 'the running run in visibility');
  expect(running.every((d) => (d as { workflowId?: string }).workflowId === 'approval_flow')).toBe(true);
  const other = await h.call('GET', '/v1/workflow-instances?workflowId=failover_flow');
  expect((other.body.data as Array<{ id: string }>).some((d) => d.id === waiting.id)).toBe(false);
  const completed = await h.call('GET', '/v1/workflow-instances?status=completed&workflowId=approval_flow');
  expect((completed.body.data as Array<{ id: string }>).some((d) => d.id === waiting.id)).toBe(false);
  expect((await h.call('GET', '/v1/workflow-instances?status=bogus')).status).toBe(400);
  // The same filter the Temporal UI uses.
  const raw = [];
  for await (const w of h.client.workflow.list({ query: `CbDefinition = 'approval_flow' AND CbInstance = '${waiting.id}'` })) raw.push(w.workflowId);
  expect(raw).toEqual([waiting.id]);
  await h.call('POST', `/v1/workflow-instances/${waiting.id}/cancel`);
});

test('failover inside a pipeline: the primary fails for a step → the step completes on the fallback, and the stream says so', async () => {
  h.openai.enqueue({ error: { status: 500, message: 'primary down' } });
  const started = await start('failover_flow', { topic: 'resilience' });
  const sse = await readSse(started.streamUrl, { until: untilEnd });
  const events = expectCompleteStream(sse.messages, String(started.currentPlace));
  const done = events.find((e) => e.type === 'AGENT_COMPLETED');
  expect(done?.provider).toBe('anthropic');
  expect(done?.output).toBe('Echo: Write about resilience');
  const got = await h.call('GET', `/v1/workflow-instances/${started.id}`);
  expect((got.body.agents as Array<{ id: string; provider?: string }>)[0]).toMatchObject({ id: 'writer', status: 'completed', provider: 'anthropic' });
});

test('links in answers come from the configured/listening address, never from the Host header a caller sends', async () => {
  const target = new URL(h.url('/v1/workflows/approval_flow/instances'));
  const body = JSON.stringify({ initialData: { topic: 'host header' } });
  const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { host: 'evil.example:666', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  expect(answer.status).toBe(201);
  const started = JSON.parse(answer.text) as { id: string; streamUrl: string };
  expect(started.streamUrl).toBe(h.url(`/v1/workflow-instances/${started.id}/stream`));
  expect(answer.text).not.toContain('evil.example');
  await h.call('POST', `/v1/workflow-instances/${started.id}/cancel`);
});
