import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { FunctionRegistry } from '../../activities/functions/function-registry';
import { createPipelineActivities } from '../../activities/pipeline-activities';
import type { AgentCallInput, AgentCallResult } from '../../activities/pipeline-activity-types';
import { loadConfig } from '../../config/load-config';
import { GatewayRuntime } from '../../gateway/routing/gateway-runtime';
import { type Database, openDatabase } from '../../pipelines/db';
import { type EventLog, InProcessEventLog } from '../../pipelines/event-log';
import { InstanceFeeds } from '../../pipelines/instance-events';
import { RedisEventLog } from '../../pipelines/redis-event-log';
import { SqlUsageLedger } from '../../pipelines/sql-usage-ledger';
import { MemoryUsageLedger, type UsageEntry, type UsageLedger } from '../../pipelines/usage-ledger';
import type { PipelineEvent } from '../../pipelines/definition/types';
import type { FakeServer } from '../helpers/fake-server';
import { waitFor } from '../helpers/temporal-env';
import { startOpenAIFake } from '../providers/fakes/openai-fake';

/** The Node-side pipeline services: event logs (in-process, Redis), usage ledgers (SQLite, Postgres), callAgent. */

const id = (): string => `pl-svc-${randomBytes(4).toString('hex')}`;

function eventLogSuite(name: string, make: () => EventLog) {
  describe(`event log (${name})`, () => {
    let log: EventLog;
    beforeAll(() => {
      log = make();
    });
    afterAll(async () => {
      await log.close();
    });

    test('seq: the log numbers every event max + 1 (nobody else does); a known key is logged once; read(afterSeq) resumes', async () => {
      const i = id();
      expect(await log.head(i)).toBe(0);
      const a = await log.append(i, { type: 'WORKFLOW_STARTED', workflowId: 'w', version: 1, place: 'start', key: 'run:w1', at: '2026-01-01T00:00:00.000Z' });
      expect(a).toEqual({ type: 'WORKFLOW_STARTED', workflowId: 'w', version: 1, place: 'start', seq: 1, at: '2026-01-01T00:00:00.000Z', instanceId: i });
      expect((await log.append(i, { type: 'AGENT_CONTENT', agentId: 'x', step: 's', delta: 'he' })).seq).toBe(2);
      expect((await log.append(i, { type: 'AGENT_CONTENT', agentId: 'x', step: 's', delta: 'llo' })).seq).toBe(3);
      // A retried publish of the same keyed event answers the logged one and appends nothing.
      expect(await log.append(i, { type: 'WORKFLOW_STARTED', workflowId: 'w', version: 1, place: 'start', key: 'run:w1' })).toEqual(a);
      expect((await log.append(i, { type: 'WORKFLOW_TRANSITION', from: 'a', to: 'b', transition: 't', key: 'run:w2' })).seq).toBe(4);
      expect((await log.append(i, { type: 'COMPLETION', result: {}, usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 }, key: 'run:w3' })).seq).toBe(5);
      expect((await log.read(i, 0)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect((await log.read(i, 3)).map((e) => e.type)).toEqual(['WORKFLOW_TRANSITION', 'COMPLETION']);
      expect(await log.head(i)).toBe(5);
      expect(await log.read(id(), 0)).toEqual([]);
    });

    test('subscribe: the backlog after afterSeq, then live events, in order, once', async () => {
      const i = id();
      for (const d of ['a', 'b', 'c']) await log.append(i, { type: 'AGENT_CONTENT', agentId: 'x', step: 's', delta: d });
      const got: PipelineEvent[] = [];
      const stop = log.subscribe(i, 1, (e) => got.push(e));
      await waitFor(() => got.length === 2, 'the backlog', 5_000);
      for (const d of ['d', 'e']) await log.append(i, { type: 'AGENT_CONTENT', agentId: 'x', step: 's', delta: d });
      await waitFor(() => got.length === 4, 'live events', 5_000);
      stop();
      await log.append(i, { type: 'AGENT_CONTENT', agentId: 'x', step: 's', delta: 'f' });
      await new Promise((r) => setTimeout(r, 100));
      expect(got.map((e) => [e.seq, (e as { delta?: string }).delta])).toEqual([[2, 'b'], [3, 'c'], [4, 'd'], [5, 'e']]);
    });
  });
}

eventLogSuite('in-process', () => new InProcessEventLog());
const redisUrl = process.env.REDIS_URL;
if (redisUrl) {
  eventLogSuite('Redis', () => new RedisEventLog(redisUrl, { prefix: `cb-test-${randomBytes(3).toString('hex')}` }));
  test('Redis event log: another process (a second client) sees the events live; keys expire', async () => {
    const prefix = `cb-test-${randomBytes(3).toString('hex')}`;
    const writer = new RedisEventLog(redisUrl, { prefix, ttlMs: 60_000 });
    const reader = new RedisEventLog(redisUrl, { prefix });
    try {
      const i = id();
      const got: PipelineEvent[] = [];
      const stop = reader.subscribe(i, 0, (e) => got.push(e));
      await new Promise((r) => setTimeout(r, 200));
      await writer.append(i, { type: 'AGENT_THINKING', agentId: 'x', step: 's' });
      await waitFor(() => got.length === 1, 'the live event', 5_000);
      stop();
      const { Redis } = await import('ioredis');
      const raw = new Redis(redisUrl);
      const ttl = await raw.ttl(`${prefix}:{${i}}:events`);
      await raw.quit();
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60);
    } finally {
      await writer.close();
      await reader.close();
    }
  });
  test('Redis: live deliveries lost while the subscriber reconnects are read back from the log; the feed still ends', async () => {
    const log = new RedisEventLog(redisUrl, { prefix: `cb-test-${randomBytes(3).toString('hex')}` });
    let closed = false;
    const feeds = new InstanceFeeds({
      events: log,
      status: async () => (closed ? { status: 'completed', closed: true, temporalStatus: 'COMPLETED' } : { status: 'running', closed: false, temporalStatus: 'RUNNING' }),
      livenessMs: 300,
    });
    const { Redis } = await import('ioredis');
    const admin = new Redis(redisUrl);
    try {
      const i = id();
      await log.append(i, { type: 'WORKFLOW_STARTED', workflowId: 'd', version: 1, place: 'start' });
      const abort = new AbortController();
      const it = (await feeds.open(i, 0, abort.signal))[Symbol.asyncIterator]();
      expect((await it.next()).value).toMatchObject({ kind: 'event', event: { seq: 1 } });
      // Drop every pub/sub connection, then publish at once: ioredis resubscribes later, these messages are gone.
      await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      await log.append(i, { type: 'AGENT_THINKING', agentId: 'a', step: 's' });
      await log.append(i, { type: 'COMPLETION', result: {}, usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 } });
      closed = true;
      const rest: unknown[] = [];
      for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
      expect(rest).toEqual([
        { kind: 'event', event: expect.objectContaining({ seq: 2, type: 'AGENT_THINKING' }) },
        { kind: 'event', event: expect.objectContaining({ seq: 3, type: 'COMPLETION' }) },
        { kind: 'end', status: 'completed' },
      ]);
    } finally {
      feeds.close();
      await admin.quit();
      await log.close();
    }
  });
} else {
  test.skip('event log (Redis): REDIS_URL is not set and no local Redis answered', () => undefined);
}

const entry = (key: string, instanceId: string, over: Partial<UsageEntry> = {}): UsageEntry => ({
  key, instanceId, step: 'draft', agentId: 'writer', provider: 'openai', model: 'gpt-4o-mini',
  promptTokens: 10, completionTokens: 5, totalTokens: 15, costUsd: 0.0001, attempt: 1, at: '2026-01-01T00:00:00.000Z', ...over,
});

function ledgerSuite(name: string, make: () => Promise<UsageLedger>) {
  test(`usage ledger (${name}): a key is recorded once; totals per instance`, async () => {
    const ledger = await make();
    try {
      const i = id();
      expect(await ledger.record(entry(`${i}:r:1`, i))).toBe(true);
      expect(await ledger.record(entry(`${i}:r:1`, i, { attempt: 2, promptTokens: 99 }))).toBe(false);
      expect(await ledger.record(entry(`${i}:r:2`, i, { agentId: 'reviewer', costUsd: 0.0002 }))).toBe(true);
      expect(await ledger.record(entry(`${i}x:r:1`, `${i}x`))).toBe(true);
      const rows = await ledger.entries(i);
      expect(rows.map((r) => [r.key, r.promptTokens, r.attempt])).toEqual([[`${i}:r:1`, 10, 1], [`${i}:r:2`, 10, 1]]);
      const t = await ledger.totals(i);
      expect(t).toMatchObject({ calls: 2, promptTokens: 20, completionTokens: 10, totalTokens: 30 });
      expect(t.costUsd).toBeCloseTo(0.0003, 12);
    } finally {
      await ledger.close();
    }
  });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-ledger-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
ledgerSuite('memory', async () => new MemoryUsageLedger());
ledgerSuite('SQLite', async () => await SqlUsageLedger.open(await openDatabase({ dataDir: tmp, databaseUrl: '' })));
const pgUrl = process.env.DATABASE_URL;
if (pgUrl) {
  const schema = `cb_test_${randomBytes(4).toString('hex')}`;
  let admin: Database;
  beforeAll(async () => {
    admin = await openDatabase({ dataDir: tmp, databaseUrl: pgUrl });
    await admin.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  });
  afterAll(async () => {
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  });
  const withSchema = `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  ledgerSuite('Postgres', async () => await SqlUsageLedger.open(await openDatabase({ dataDir: tmp, databaseUrl: withSchema })));
} else {
  test.skip('usage ledger (Postgres): DATABASE_URL is not set and no local Postgres answered', () => undefined);
}

describe('callAgent (activity, on a mock activity context)', () => {
  let fake: FakeServer;
  let activities: ReturnType<typeof createPipelineActivities>;
  let events: InProcessEventLog;
  let ledger: MemoryUsageLedger;
  beforeAll(async () => {
    fake = await startOpenAIFake();
    const config = loadConfig({ LOG_LEVEL: 'silent', OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${fake.url}/v1` });
    events = new InProcessEventLog();
    ledger = new MemoryUsageLedger();
    activities = createPipelineActivities({ runtime: new GatewayRuntime(config.providers, () => config.routing), events, ledger, functions: FunctionRegistry.withBuiltIns({ httpAllowlist: [] }) });
  });
  afterAll(async () => {
    await fake.close();
  });

  const input = (instanceId: string): AgentCallInput => ({
    instanceId,
    step: 'draft',
    agent: { id: 'writer', role: 'Writer', model: 'openai/gpt-4o-mini', prompts: { user_template: 'unused here' } },
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello world' }],
  });

  test('a retry of an activity that already billed is not billed again; RETRY is published on attempt 2', async () => {
    const i = id();
    const info = { activityId: '3', workflowExecution: { workflowId: i, runId: 'run-1' } };
    const first = await new MockActivityEnvironment({ ...info, attempt: 1 }).run(activities.callAgent, input(i));
    const second: AgentCallResult = await new MockActivityEnvironment({ ...info, attempt: 2 }).run(activities.callAgent, input(i));
    expect(first).toMatchObject({ output: 'Echo: Hello world', provider: 'openai', model: 'gpt-4o-mini', attempt: 1, fallback: false });
    expect(second.attempt).toBe(2);
    expect(second.events.map((e) => e.type)).toEqual(['RETRY', 'AGENT_THINKING', 'AGENT_COMPLETED']);
    expect(await ledger.entries(i)).toHaveLength(1);
    expect(fake.requests.at(-1)?.body).toMatchObject({ stream: true, stream_options: { include_usage: true }, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello world' }] });
    const logged = await events.read(i, 0);
    expect(logged.filter((e) => e.type === 'AGENT_CONTENT').map((e) => (e as { delta: string }).delta).join('')).toBe('Echo: Hello worldEcho: Hello world');
    // The events the activity returns are the log's (seq included): AGENT_COMPLETED is the last event logged.
    expect(second.events.at(-1)).toEqual(logged.at(-1));
    expect(second.unlogged).toEqual([]);
  });

  test('cancellation aborts the upstream stream and ends as CancelledFailure, nothing billed', async () => {
    const i = id();
    fake.enqueue({ text: Array.from({ length: 100 }, (_, n) => `w${n} `).join(''), chunkDelayMs: 50 });
    const env = new MockActivityEnvironment({ activityId: '1', attempt: 1, workflowExecution: { workflowId: i, runId: 'r' } });
    const before = fake.requests.length;
    const running = env.run(activities.callAgent, input(i));
    await waitFor(() => fake.requests.length > before, 'the upstream call', 5_000);
    await new Promise((r) => setTimeout(r, 300));
    env.cancel();
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
    await waitFor(() => fake.requests[before]?.closedEarly === true, 'the upstream stream to close', 5_000);
    expect(await ledger.entries(i)).toHaveLength(0);
  });
});
