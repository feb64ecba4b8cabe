import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { FakeServer } from '../helpers/fake-server';
import { definition, pipelineInput, quietPipelineLogs, type PipelineHarness, startPipelineHarness } from '../helpers/pipeline-harness';
import { createTemporalTestEnv, type TemporalTestEnv } from '../helpers/temporal-env';
import { startOpenAIFake } from '../providers/fakes/openai-fake';
import { MAX_TOOL_ROUNDS } from '../../activities/agent-call';
import type { PipelineDefinition, PipelineEvent, PipelineState } from '../../pipelines/definition/types';
import { PIPELINE_STATE_QUERY } from '../../pipelines/definition/pipeline-messages';
import { pipelineWorkflow } from '../../workflows';

/** Agents with tools: the callAgent activity runs a bounded tool loop, the tools being pipeline functions. */
jest.setTimeout(180_000);

let env: TemporalTestEnv;
let fake: FakeServer;
let h: PipelineHarness;

beforeAll(async () => {
  quietPipelineLogs();
  env = await createTemporalTestEnv();
  fake = await startOpenAIFake();
  h = await startPipelineHarness({ address: env.address, namespace: env.namespace, providerEnv: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${fake.url}/v1` } });
});

afterAll(async () => {
  await h?.close();
  await fake?.close();
  await env?.dispose();
});

const lookupParameters = { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] };

const tooled: PipelineDefinition = definition({
  agents: [{ id: 'researcher', role: 'researcher', model: 'openai/gpt-4o-mini', prompts: { user_template: 'Research {topic}' }, tools: ['lookup'] }],
  functions: [{ id: 'lookup', uses: 'json_transform', with: { expression: '"found " & input.topic' }, description: 'Looks the topic up', parameters: lookupParameters }],
  states: ['start', 'done'],
  terminal: ['done'],
  transitions: [{ id: 'research', from: ['start'], to: 'done', action: { type: 'agent', agent: 'researcher' } }],
});

function start(def: PipelineDefinition, data: Record<string, string>) {
  const id = `pl-tools-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  return h.client.workflow.start(pipelineWorkflow, { taskQueue: h.taskQueue, workflowId: id, args: [pipelineInput(def, data)] });
}

interface SentMessage {
  role: string;
  content?: unknown;
  tool_calls?: unknown;
  tool_call_id?: string;
}

test('a tool call runs the function, its result goes back to the model, the final text is the output', async () => {
  fake.enqueue({ toolCalls: [{ name: 'lookup', arguments: { q: 'x' } }], usage: { input: 10, output: 3 } }, { text: 'Cats are found.', usage: { input: 20, output: 5 } });
  const before = fake.requests.length;
  const handle = await start(tooled, { topic: 'cats' });
  const result = await handle.result();

  expect(result.outputs.researcher).toBe('Cats are found.');

  // Two upstream calls: both offer the tool; the second carries the assistant's tool call and the tool result.
  const sent = fake.requests.slice(before).map((r) => r.body as { tools?: unknown; messages: SentMessage[] });
  expect(sent).toHaveLength(2);
  const tools = [{ type: 'function', function: { name: 'lookup', description: 'Looks the topic up', parameters: lookupParameters } }];
  expect(sent[0]?.tools).toEqual(tools);
  expect(sent[1]?.tools).toEqual(tools);
  expect(sent[0]?.messages).toEqual([{ role: 'user', content: 'Research cats' }]);
  const second = sent[1]?.messages ?? [];
  expect(second).toHaveLength(3);
  expect(second[0]).toEqual({ role: 'user', content: 'Research cats' });
  expect(second[1]).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_fake0', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }] });
  expect(second[2]).toEqual({ role: 'tool', tool_call_id: 'call_fake0', content: '"found cats"' });

  // Events: the function ran inside the agent turn; only the final text was streamed.
  const logged = await h.events.read(handle.workflowId, 0);
  const coarse = logged.filter((e) => e.type !== 'AGENT_CONTENT');
  expect(coarse.map((e) => e.type)).toEqual(['WORKFLOW_STARTED', 'AGENT_THINKING', 'FUNCTION_EXECUTING', 'FUNCTION_COMPLETED', 'AGENT_COMPLETED', 'WORKFLOW_TRANSITION', 'COMPLETION']);
  expect(coarse.find((e) => e.type === 'FUNCTION_EXECUTING')).toMatchObject({ functionId: 'lookup', step: 'research' });
  expect(coarse.find((e) => e.type === 'FUNCTION_COMPLETED')).toMatchObject({ functionId: 'lookup', step: 'research', output: 'found cats' });
  const deltas = logged.filter((e): e is Extract<PipelineEvent, { type: 'AGENT_CONTENT' }> => e.type === 'AGENT_CONTENT');
  expect(deltas.map((e) => e.delta).join('')).toBe('Cats are found.');
  const state = await h.client.workflow.getHandle(handle.workflowId).query<PipelineState>(PIPELINE_STATE_QUERY);
  expect(state.events.map((e) => [e.seq, e.type])).toEqual(coarse.map((e) => [e.seq, e.type]));

  // Usage sums both rounds; each round is one ledger entry.
  expect(result.usage).toMatchObject({ promptTokens: 30, completionTokens: 8, totalTokens: 38 });
  expect(state.agents.researcher).toMatchObject({ status: 'completed', usage: { promptTokens: 30, completionTokens: 8 } });
  expect(coarse.find((e) => e.type === 'AGENT_COMPLETED')).toMatchObject({ usage: { promptTokens: 30, completionTokens: 8, totalTokens: 38 } });
  const entries = await h.ledger.entries(handle.workflowId);
  expect(entries.map((e) => [e.promptTokens, e.completionTokens])).toEqual([
    [10, 3],
    [20, 5],
  ]);
  expect(new Set(entries.map((e) => e.key)).size).toBe(2);
  expect(entries[1]?.key).toBe(`${entries[0]?.key}:2`);
  const totals = await h.ledger.totals(handle.workflowId);
  expect(totals.costUsd).toBeCloseTo(result.usage.costUsd, 9);
});

test(`a model that keeps calling tools fails the step after ${MAX_TOOL_ROUNDS} rounds (ToolLoopLimit, not retried)`, async () => {
  const call = { toolCalls: [{ name: 'lookup', arguments: { q: 'again' } }] };
  fake.enqueue(...Array.from({ length: MAX_TOOL_ROUNDS }, () => call));
  const before = fake.requests.length;
  const handle = await start(tooled, { topic: 'dogs' });
  const err = (await handle.result().then(() => undefined, (e: unknown) => e)) as WorkflowFailedError;
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(err.cause).toBeInstanceOf(ApplicationFailure);
  expect((err.cause as ApplicationFailure).type).toBe('ToolLoopLimit');
  expect(err.cause?.message).toContain(`agent 'researcher': the model still called tools after ${MAX_TOOL_ROUNDS} rounds`);
  expect(fake.requests.length - before).toBe(MAX_TOOL_ROUNDS);
  expect(await h.ledger.entries(handle.workflowId)).toHaveLength(MAX_TOOL_ROUNDS);
});
