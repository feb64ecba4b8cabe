import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { REPO_ROOT, type RunningProcess, runDist } from '../helpers/child-process';
import { definition, pipelineInput, quietPipelineLogs } from '../helpers/pipeline-harness';
import { createTemporalTestEnv, type TemporalTestEnv } from '../helpers/temporal-env';
import type { PipelineDefinition } from '../../pipelines/definition/types';
import { pipelineWorkflow } from '../../workflows';

/**
 * No listener accumulates on an AbortSignal over many agent turns in one process: 50 turns of the demo models
 * (each streamed word waits on the call's signal; a tool round comes before each answer, so one activity's
 * cancellation signal serves two upstream calls) in the compiled worker (`npm run worker`, demo mode), whose
 * process warnings a preloaded probe reports (`process.on('warning')`). `npm start` in demo mode used to print
 * `MaxListenersExceededWarning: … 11 abort listeners added to [AbortSignal]` on the first content_pipeline run.
 */
jest.setTimeout(300_000);

const TURNS = 50;
const PROBE = path.join(REPO_ROOT, 'test/helpers/pipeline-warning-probe.js');
let env: TemporalTestEnv;
let connection: Connection;
let client: Client;
let worker: RunningProcess | undefined;
let dataDir: string;

beforeAll(async () => {
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist/workers/main.js'))) throw new Error('dist/ is missing: run `npm run -s build` first (npm test does)');
  quietPipelineLogs();
  env = await createTemporalTestEnv();
  connection = await Connection.connect({ address: env.address });
  client = new Client({ connection, namespace: env.namespace });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-listeners-'));
});

afterAll(async () => {
  await worker?.stop('SIGKILL').catch(() => undefined);
  await connection?.close();
  await env?.dispose();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const talkLoop: PipelineDefinition = definition({
  maxIterations: TURNS + 5,
  agents: [
    {
      id: 'talker',
      role: 'Talker',
      model: 'demo/tool-caller',
      prompts: { user_template: 'Take a note, then tell me what it says (round {round?})' },
      tools: ['note'],
    },
  ],
  functions: [
    { id: 'note', uses: 'template', with: { template: 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen' }, description: 'Takes a note' },
    { id: 'count', uses: 'json_transform', with: { expression: '$exists(outputs.round) ? outputs.round + 1 : 1' } },
  ],
  rules: { more: { less_than: ['outputs.round', TURNS] } },
  states: ['start', 'talked', 'counted', 'done'],
  terminal: ['done'],
  transitions: [
    { id: 'talk', from: ['start'], to: 'talked', action: { type: 'agent', agent: 'talker' } },
    { id: 'count', from: ['talked'], to: 'counted', action: { type: 'function', function: 'count', output: 'round' } },
    { id: 'again', from: ['counted'], to: 'start', rules: 'more' },
    { id: 'finish', from: ['counted'], to: 'done' },
  ],
});

test(`${TURNS} agent turns (a tool round and a streamed answer each) in one worker process: no MaxListenersExceededWarning`, async () => {
  const taskQueue = `listeners-${Date.now()}`;
  worker = runDist('workers/main.js', {
    NODE_OPTIONS: `--require ${PROBE}`,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    CB_DEMO: 'true',
    CB_DATA_DIR: dataDir,
    DATABASE_URL: '',
    REDIS_URL: '',
  });
  await worker.waitForOutput('[process-warning] probe installed');
  await worker.waitForOutput('Worker polling task queue');
  const handle = await client.workflow.start(pipelineWorkflow, { taskQueue, workflowId: `pl-listeners-${Date.now()}`, args: [pipelineInput(talkLoop)] });
  const result = await handle.result();
  expect(result.outputs.round).toBe(TURNS);
  expect(String(result.outputs.talker)).toContain('thirteen fourteen');
  // 50 agent turns (2 upstream calls each: the tool call, then the answer) and 50 counts ran in that one process.
  const history = await handle.fetchHistory();
  const scheduled = (history.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType?.name] : []));
  expect(scheduled.filter((n) => n === 'callAgent')).toHaveLength(TURNS);
  expect(result.usage.promptTokens).toBeGreaterThan(0);

  await new Promise((r) => setTimeout(r, 200));
  const warnings = worker.output().split('\n').filter((l) => l.startsWith('[process-warning] {'));
  expect(warnings.filter((l) => l.includes('MaxListenersExceededWarning'))).toEqual([]);
  expect(worker.output()).not.toContain('MaxListenersExceededWarning');
});
