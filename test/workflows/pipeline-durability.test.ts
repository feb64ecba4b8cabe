import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { openDatabase } from '../../pipelines/db';
import { SqlUsageLedger } from '../../pipelines/sql-usage-ledger';
import type { AgentSpec, PipelineDefinition, PipelineState } from '../../pipelines/definition/types';
import { PIPELINE_SIGNAL, PIPELINE_STATE_QUERY } from '../../pipelines/definition/pipeline-messages';
import { getWorkflowBundle } from '../../workers/worker';
import { pipelineWorkflow } from '../../workflows';
import { REPO_ROOT, type RunningProcess, runDist } from '../helpers/child-process';
import type { FakeServer } from '../helpers/fake-server';
import { definition, pipelineInput, quietPipelineLogs, startPipelineHarness } from '../helpers/pipeline-harness';
import { createTemporalTestEnv, type TemporalTestEnv, waitFor } from '../helpers/temporal-env';
import { startOpenAIFake } from '../providers/fakes/openai-fake';

/**
 * Durability on real parts: a real dev server on a SQLite file, real fake providers over HTTP, the compiled
 * worker (`dist/workers/main.js`, built by `npm test`'s pretest) as a child process that is SIGKILLed.
 */
jest.setTimeout(300_000);

const HISTORIES = path.join(__dirname, 'histories');
let env: TemporalTestEnv;
let fake: FakeServer;
let connection: Connection;
let client: Client;
let dataDir: string;
const children: RunningProcess[] = [];

const agent = (id: string, user_template: string): AgentSpec => ({ id, role: id, model: 'openai/gpt-4o-mini', prompts: { user_template } });

beforeAll(async () => {
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist/workflows/pipeline-workflow.js'))) throw new Error('dist/ is missing the pipeline workflow: run `npm run -s build` first (npm test does)');
  quietPipelineLogs();
  env = await createTemporalTestEnv({ persistent: true });
  fake = await startOpenAIFake();
  connection = await Connection.connect({ address: env.address });
  client = new Client({ connection, namespace: env.namespace });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-durable-'));
});

afterAll(async () => {
  for (const c of children) await c.stop('SIGKILL').catch(() => undefined);
  await connection?.close();
  await fake?.close();
  await env?.dispose();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

function startWorkerProcess(taskQueue: string): RunningProcess {
  const child = runDist('workers/main.js', {
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: `${fake.url}/v1`,
    CB_DATA_DIR: dataDir,
    DATABASE_URL: '',
    REDIS_URL: '',
  });
  children.push(child);
  return child;
}

async function state(handle: WorkflowHandle): Promise<PipelineState | undefined> {
  return await handle.query<PipelineState>(PIPELINE_STATE_QUERY).catch(() => undefined);
}

async function until(handle: WorkflowHandle, pred: (s: PipelineState) => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await state(handle);
    if (s && pred(s)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function attemptsStarted(handle: WorkflowHandle): Promise<number[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : []));
}

const twoAgents: PipelineDefinition = definition({
  agents: [agent('slow', 'Tell a long story about {topic}'), agent('after', 'Summarise: {slow}')],
  states: ['start', 'told', 'done'],
  terminal: ['done'],
  transitions: [
    { id: 'tell', from: ['start'], to: 'told', action: { type: 'agent', agent: 'slow' } },
    { id: 'summarise', from: ['told'], to: 'done', action: { type: 'agent', agent: 'after' } },
  ],
});

test('SIGKILL of the worker in the middle of an agent step: a new worker finishes the run; each call billed once; the history replays', async () => {
  const taskQueue = `durable-kill-${Date.now()}`;
  const a = startWorkerProcess(taskQueue);
  await a.waitForOutput('Worker polling task queue');
  const words = Array.from({ length: 300 }, (_, i) => `word${i} `).join('');
  fake.enqueue({ text: words, chunkDelayMs: 100 }); // ~30 s of streaming: the kill lands mid-step
  const before = fake.requests.length;
  const handle = await client.workflow.start(pipelineWorkflow, { taskQueue, workflowId: `pl-durable-kill-${Date.now()}`, args: [pipelineInput(twoAgents, { topic: 'ships' })] });
  await until(handle, (s) => s.agents.slow?.status === 'running', 'the slow agent to run');
  await waitFor(() => fake.requests.length > before, 'the upstream call');
  await new Promise((r) => setTimeout(r, 1_500));
  await a.stop('SIGKILL');

  const b = startWorkerProcess(taskQueue);
  await b.waitForOutput('Worker polling task queue');
  const result = await handle.result();
  expect(result.outputs.slow).toBe('Echo: Tell a long story about ships');
  expect(result.outputs.after).toBe('Echo: Summarise: Echo: Tell a long story about ships');
  expect(Math.max(...(await attemptsStarted(handle)))).toBeGreaterThan(1);
  const s = await state(handle);
  expect(s?.agents.slow?.attempts).toBeGreaterThan(1);
  expect(s?.events.some((e) => e.type === 'RETRY' && e.step === 'tell')).toBe(true);

  // The ledger (SQLite in the workers' data dir): one row per answered call, none for the killed attempt.
  const db = await openDatabase({ dataDir, databaseUrl: '' });
  try {
    const entries = await (await SqlUsageLedger.open(db)).entries(handle.workflowId);
    expect(entries.map((e) => e.agentId).sort()).toEqual(['after', 'slow']);
    expect(new Set(entries.map((e) => e.key)).size).toBe(2);
    expect(entries.find((e) => e.agentId === 'slow')?.attempt).toBeGreaterThan(1);
  } finally {
    await db.close();
  }

  // Replay: the run's own history against today's workflow code.
  const history = await handle.fetchHistory();
  await Worker.runReplayHistory({ workflowBundle: await getWorkflowBundle() }, history);
  await b.stop('SIGTERM');
});

test('the dev server stops mid-run and starts again on the same SQLite file: the run completes', async () => {
  const h = await startPipelineHarness({ address: env.address, namespace: env.namespace, providerEnv: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${fake.url}/v1` } });
  try {
    const def = definition({
      agents: [agent('first', 'Hello {name}'), agent('second', 'Again: {first}')],
      states: ['start', 'greeted', 'approved', 'done'],
      terminal: ['done'],
      transitions: [
        { id: 'greet', from: ['start'], to: 'greeted', action: { type: 'agent', agent: 'first' } },
        { id: 'approve', from: ['greeted'], to: 'approved', action: { type: 'wait_signal', signal: 'go' } },
        { id: 'again', from: ['approved'], to: 'done', action: { type: 'agent', agent: 'second' } },
      ],
    });
    const handle = await h.client.workflow.start(pipelineWorkflow, { taskQueue: h.taskQueue, workflowId: `pl-durable-restart-${Date.now()}`, args: [pipelineInput(def, { name: 'Ada' })] });
    await until(handle, (s) => s.status === 'waiting', 'the wait for the signal');
    await env.stop();
    await new Promise((r) => setTimeout(r, 1_000));
    await env.start();
    // Clients reconnect by themselves; the signal may need a moment until the frontend answers again.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await handle.signal(PIPELINE_SIGNAL, { type: 'approve' });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const result = await handle.result();
    expect(result.outputs).toMatchObject({ first: 'Echo: Hello Ada', go: { decision: 'approve', approved: true }, second: 'Echo: Again: Echo: Hello Ada' });
    expect(await h.ledger.entries(handle.workflowId)).toHaveLength(2);
  } finally {
    await h.close();
  }
});

test('recorded histories in test/workflows/histories replay against the current workflow code', async () => {
  const files = fs.readdirSync(HISTORIES).filter((f) => f.endsWith('.json'));
  expect(files.length).toBeGreaterThan(0);
  const workflowBundle = await getWorkflowBundle();
  for (const f of files) {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES, f), 'utf8')));
    await expect(Worker.runReplayHistory({ workflowBundle }, history, f)).resolves.toBeUndefined();
  }
});
