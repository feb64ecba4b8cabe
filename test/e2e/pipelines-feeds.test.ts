import { readSse, type SseMessage } from '../helpers/sse-client';
import { waitFor } from '../helpers/temporal-env';
import { quietPipelineLogs } from '../helpers/pipeline-harness';
import { type ApiHarness, startApiHarness } from '../helpers/pipelines-api-harness';
import { expectCompleteStream } from '../helpers/pipeline-stream-checks';
import { sharedEventLog } from '../../pipelines/event-log-factory';
import { pipelineStateQuery } from '../../pipelines/definition/pipeline-messages';

/**
 * The instance feeds end to end (dev server, API, in-process worker, fake upstreams): one sequence authority
 * (the event log) across retries and resumes, and how a feed learns that a run ended — from its events
 * (COMPLETION / FAILED / CANCELLED), or from the instance's one shared liveness check when the run was
 * terminated from outside (here every 500 ms; 15 s by default).
 */
jest.setTimeout(180_000);

const LIVENESS_MS = 500;
let h: ApiHarness;

const WRITER = {
  id: 'feed_writer',
  name: 'Feed writer',
  agents: [{ id: 'writer', role: 'Writer', model: 'openai/gpt-4o', prompts: { user_template: 'Write about {topic}' } }],
  steps: [{ agent: 'writer' }],
};

const WAITER = {
  id: 'feed_waiter',
  name: 'Feed waiter',
  agents: [{ id: 'drafter', role: 'Drafter', model: 'openai/gpt-4o', prompts: { user_template: 'Draft {topic}' } }],
  steps: [{ agent: 'drafter' }, { wait_signal: 'approval', timeout: '10m' }],
};

beforeAll(async () => {
  quietPipelineLogs(); // the broken stream fails an activity attempt on purpose
  h = await startApiHarness({ feedLivenessMs: LIVENESS_MS });
  for (const def of [WRITER, WAITER]) expect((await h.call('POST', '/v1/workflow-definitions', def)).status).toBe(201);
});
afterAll(async () => {
  await h?.close();
});

async function start(definitionId: string, topic: string): Promise<{ id: string; streamUrl: string; currentPlace: string }> {
  const r = await h.call('POST', `/v1/workflows/${definitionId}/instances`, { initialData: { topic } });
  expect(r.status).toBe(201);
  return r.body as { id: string; streamUrl: string; currentPlace: string };
}

const untilEnd = (m: SseMessage): boolean => m.event === 'end';
const ids = (messages: SseMessage[]): number[] => messages.filter((m) => m.event !== 'end').map((m) => Number(m.id));

test('a step retried by Temporal after a broken stream: every seq once, none missing; Last-Event-ID mid-run gives exactly the rest', async () => {
  const text = 'alpha beta gamma delta epsilon zeta eta theta iota kappa';
  // Attempt 1 streams a few deltas, then the connection drops: the activity fails after its first token and
  // Temporal retries it (RETRY, then the whole answer again).
  h.openai.enqueue({ text, chunkDelayMs: 40, dropAfterChunks: 4 }, { text, chunkDelayMs: 60 });
  const started = await start('feed_writer', 'retries');
  // A subscriber that leaves mid-run, after the retry has begun streaming again …
  const first = await readSse(started.streamUrl, {
    until: (m, all) => m.event === 'AGENT_CONTENT' && all.some((x) => x.event === 'RETRY') && all.filter((x) => x.event === 'AGENT_CONTENT').length > 5,
  });
  const lastId = first.messages.at(-1)!.id!;
  // … and resumes: it gets exactly what came after, to the end.
  const rest = await readSse(started.streamUrl, { headers: { 'last-event-id': lastId }, until: untilEnd });
  expect(ids(rest.messages)[0]).toBe(Number(lastId) + 1);
  const whole = [...first.messages, ...rest.messages];
  const events = expectCompleteStream(whole, started.currentPlace);
  expect(events.filter((e) => e.type === 'RETRY')).toHaveLength(1);
  expect(events.find((e) => e.type === 'AGENT_COMPLETED')?.output).toBe(text);
  // The log numbered everything: 1..N, no gap, no duplicate; a late subscriber sees the same ids.
  const seqs = ids(whole);
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  const late = await readSse(started.streamUrl, { until: untilEnd });
  expect(ids(late.messages)).toEqual(seqs);
  // The run's state keeps its coarse events with the log's seqs (nobody else numbers them): all of them but
  // the failed attempt's (that attempt never returned to the workflow; its events are in the log only).
  const logged = await sharedEventLog({ redisUrl: h.gw.config.redisUrl }).read(started.id, 0);
  expect(logged.map((e) => e.seq)).toEqual(seqs);
  const coarse = logged.filter((e) => e.type !== 'AGENT_CONTENT').map((e) => [e.seq, e.type]);
  const retrySeq = logged.find((e) => e.type === 'RETRY')!.seq;
  const state = await h.client.workflow.getHandle(started.id).query(pipelineStateQuery);
  expect(state.events.map((e) => [e.seq, e.type])).toEqual(coarse.filter(([seq, type]) => !(type === 'AGENT_THINKING' && Number(seq) < retrySeq)));
});

test('cancelled mid-stream: the run publishes CANCELLED and every feed ends on it', async () => {
  h.openai.enqueue({ text: Array.from({ length: 200 }, (_, i) => `w${i}`).join(' '), chunkDelayMs: 50 });
  const started = await start('feed_writer', 'cancel me');
  const followers = [0, 1].map(() => readSse(started.streamUrl, { until: untilEnd, timeoutMs: 30_000 }));
  await readSse(started.streamUrl, { until: (m) => m.event === 'AGENT_CONTENT' });
  expect((await h.call('POST', `/v1/workflow-instances/${started.id}/cancel`)).status).toBe(202);
  for (const f of await Promise.all(followers)) {
    expect(f.messages.at(-2)).toMatchObject({ event: 'CANCELLED', data: { reason: 'cancelled', status: 'cancelled' } });
    expect(f.messages.at(-1)).toMatchObject({ event: 'end', data: { status: 'cancelled' } });
  }
  expect((await h.call('GET', `/v1/workflow-instances/${started.id}`)).body).toMatchObject({ status: 'cancelled' });
});

test('terminated from outside (no workflow code runs): one shared liveness check logs the CANCELLED marker once and ends all three feeds', async () => {
  const started = await start('feed_waiter', 'terminate me');
  await readSse(started.streamUrl, { until: (m) => m.event === 'WAITING_FOR_SIGNAL' });
  await waitFor(() => h.pipelines.feeds.stats().watchedInstances === 0, 'the earlier feeds to close');
  const before = h.pipelines.feeds.stats();
  const t0 = Date.now();
  const feeds = [0, 1, 2].map(() => readSse(started.streamUrl, { until: untilEnd, timeoutMs: 30_000 }));
  await new Promise((r) => setTimeout(r, 300));
  expect(h.pipelines.feeds.stats().watchedInstances).toBe(1);
  await h.client.workflow.getHandle(started.id).terminate('operator pressed the button');
  const ended = await Promise.all(feeds);
  const elapsed = Date.now() - t0;
  for (const f of ended) {
    expect(f.messages.at(-2)).toMatchObject({ event: 'CANCELLED', data: { type: 'CANCELLED', reason: 'terminated', status: 'failed' } });
    expect(f.messages.at(-1)).toMatchObject({ event: 'end', data: { status: 'failed' } });
    expect(ids(f.messages)).toEqual(ids(ended[0]!.messages));
  }
  const logged = await sharedEventLog({ redisUrl: h.gw.config.redisUrl }).read(started.id, 0);
  expect(logged.filter((e) => e.type === 'CANCELLED')).toHaveLength(1);
  // One watch for the three feeds: its checks follow the clock (one at start, then one per interval), not the
  // number of subscribers.
  const after = h.pipelines.feeds.stats();
  expect(after.livenessChecks - before.livenessChecks).toBeLessThanOrEqual(Math.ceil(elapsed / LIVENESS_MS) + 1);
  expect(after.watchedInstances).toBe(0);
  // A late subscriber replays up to the marker and ends.
  const late = await readSse(started.streamUrl, { until: untilEnd });
  expect(late.messages.at(-2)).toMatchObject({ event: 'CANCELLED' });
  expect((await h.call('GET', `/v1/workflow-instances/${started.id}`)).body).toMatchObject({ status: 'failed' });
});
