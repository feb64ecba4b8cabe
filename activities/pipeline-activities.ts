/**
 * The pipeline activities: `callAgent` (one agent turn through the gateway router — failover, circuits and keys
 * as in /v1/chat/completions — streamed, with token deltas on the event log), `runFunction` (a built-in or user
 * function) and `publishEvents` (the workflow's coarse events onto the event log, which numbers them).
 */
import { activityInfo, Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ChatMessage, ChatRequest } from '../gateway/core/chat-request';
import type { ResultToolCall, Usage } from '../gateway/core/chat-result';
import type { GatewayRuntime } from '../gateway/routing/gateway-runtime';
import type { EventLog } from '../pipelines/event-log';
import type { UsageEntry, UsageLedger } from '../pipelines/usage-ledger';
import type { PipelineData } from '../pipelines/definition/data-path';
import type { AgentSpec, FunctionSpec, JsonObject, JsonValue, PipelineEvent, PipelineEventBody, UnloggedEvent, UsageTotals } from '../pipelines/definition/types';
import { addUsage, ZERO_USAGE } from '../pipelines/definition/usage-totals';
import { agentRequest, MAX_TOOL_ROUNDS, parseJsonOutput, toActivityFailure, toolInput } from './agent-call';
import { renderWith } from './functions/render-with';
import type { FunctionRegistry } from './functions/function-registry';
import type { PipelineFunction } from './functions/function-types';
import { allowlistedFetch } from './functions/http-request';
import type { AgentCallInput, AgentCallResult, FunctionCallInput, FunctionCallResult, PublishedEvents } from './pipeline-activity-types';

export interface PipelineActivityDeps {
  runtime: GatewayRuntime;
  events: EventLog;
  ledger: UsageLedger;
  functions: FunctionRegistry;
  now?: () => number;
  logger?: { warn(obj: object, msg: string): void };
}

/**
 * An activity attempt's events onto the log (which numbers them). Coarse events carry a key
 * (`<runId>:<activityId>:<attempt>:<n>`), so an append that is retried is logged once; one the log does not
 * take is handed back to the workflow (`unlogged`), which publishes it. A log failure never fails the step.
 */
class Publisher {
  readonly coarse: PipelineEvent[] = [];
  readonly unlogged: UnloggedEvent[] = [];
  private n = 0;
  private readonly pending: Array<Promise<unknown>> = [];

  constructor(
    private readonly deps: PipelineActivityDeps,
    private readonly instanceId: string,
    private readonly keyPrefix: string,
  ) {}

  /** Coarse events are awaited, after the deltas sent before them (so the log keeps their order). */
  async coarseEvent(event: PipelineEventBody): Promise<void> {
    await this.flush();
    this.n += 1;
    const draft: UnloggedEvent = { ...event, key: `${this.keyPrefix}:${this.n}`, at: new Date(this.now()).toISOString() };
    try {
      this.coarse.push(await this.deps.events.append(this.instanceId, draft));
    } catch (err) {
      this.deps.logger?.warn({ err }, 'pipeline event log: append failed (the workflow publishes the event)');
      this.unlogged.push(draft);
    }
  }

  /** Deltas are sent in order without waiting for each other; a lost delta is not retried. */
  delta(event: PipelineEventBody): void {
    this.pending.push(this.deps.events.append(this.instanceId, event).catch(() => undefined));
  }

  async flush(): Promise<void> {
    await Promise.all(this.pending.splice(0));
  }

  result(): PublishedEvents {
    return { events: this.coarse, unlogged: this.unlogged };
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}

/** The events of this activity attempt go to the log under keys only this attempt uses. */
function publisherFor(deps: PipelineActivityDeps, instanceId: string): Publisher {
  const info = activityInfo();
  return new Publisher(deps, instanceId, `${info.workflowExecution?.runId ?? '-'}:${info.activityId}:${info.attempt}`);
}

function cancelled(ctx: Context): CancelledFailure {
  const reason: unknown = ctx.cancellationSignal.reason;
  return reason instanceof CancelledFailure ? reason : new CancelledFailure(typeof reason === 'string' ? reason : 'activity cancelled');
}

function totals(usage: Usage | undefined, costUsd: number): UsageTotals {
  return { promptTokens: usage?.promptTokens ?? 0, completionTokens: usage?.completionTokens ?? 0, totalTokens: usage?.totalTokens ?? 0, costUsd };
}

/** What one upstream call of an agent turn answered. */
interface ModelRound {
  text: string;
  toolCalls: ResultToolCall[];
  usage: UsageTotals;
  provider: string;
  model: string;
  routerAttempts: number;
  fallback: boolean;
}

export function createPipelineActivities(deps: PipelineActivityDeps) {
  const now = deps.now ?? Date.now;

  /**
   * The ledger write: one attempt, insert-once (keyed by run, activity and round: a write that is repeated is a no-op).
   * If the ledger is down the step still succeeds and its usage stays in the workflow state: failing the step
   * would call — and pay — the provider again, and a private retry loop would hide behind Temporal's.
   */
  async function recordUsage(entry: UsageEntry): Promise<void> {
    try {
      await deps.ledger.record(entry);
    } catch (err) {
      deps.logger?.warn({ err, key: entry.key }, 'usage ledger: could not record a billed call (its usage stays in the run state)');
    }
  }

  /** One upstream call of an agent turn, streamed: text deltas go to the log live, tool calls are collected. */
  async function streamRound(agent: AgentSpec, step: string, request: ChatRequest, requestId: string, pub: Publisher): Promise<ModelRound> {
    const ctx = Context.current();
    const info = activityInfo();
    let text = '';
    let usage: Usage | undefined;
    const calls = new Map<number, ResultToolCall>();
    let routed;
    try {
      routed = await deps.runtime.router.stream({ model: request.model, stream: true, request, extensions: {} }, { signal: ctx.cancellationSignal, requestId, singlePass: true });
      for await (const part of routed.value) {
        if (part.type === 'text-delta' && part.choice === 0 && part.delta !== '') {
          text += part.delta;
          pub.delta({ type: 'AGENT_CONTENT', agentId: agent.id, step, delta: part.delta });
          ctx.heartbeat({ attempt: info.attempt, chars: text.length });
        } else if (part.type === 'tool-call-start' && part.choice === 0) {
          calls.set(part.index, { id: part.id, name: part.name, arguments: calls.get(part.index)?.arguments ?? '' });
        } else if (part.type === 'tool-call-delta' && part.choice === 0) {
          const c = calls.get(part.index) ?? { id: `call_${part.index}`, name: '', arguments: '' };
          calls.set(part.index, { ...c, arguments: c.arguments + part.argumentsDelta });
        } else if (part.type === 'usage') usage = part.usage;
      }
    } catch (err) {
      await pub.flush();
      if (ctx.cancellationSignal.aborted) throw cancelled(ctx);
      throw toActivityFailure(err, `agent '${agent.id}' (${request.model})`);
    }
    await pub.flush();
    if (ctx.cancellationSignal.aborted) throw cancelled(ctx);
    const candidate = routed.candidate;
    const cost = usage ? (deps.runtime.prices.cost(candidate.ref, usage) ?? 0) : 0;
    return {
      text,
      toolCalls: [...calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => c),
      usage: totals(usage, cost),
      provider: candidate.provider.settings.name,
      model: candidate.model.modelId,
      routerAttempts: routed.attempts.length,
      fallback: routed.fallback,
    };
  }

  /**
   * One agent turn. With tools, a bounded loop: while the model answers with tool calls (at most
   * MAX_TOOL_ROUNDS upstream calls), each call runs its function (as runFunction does, with the model's
   * arguments merged over the rendered `with`; FUNCTION_* events published) and the results go back as `tool`
   * messages. Every upstream call is one ledger entry (key per round); usage sums over the rounds.
   */
  async function callAgent(input: AgentCallInput): Promise<AgentCallResult> {
    const ctx = Context.current();
    const info = activityInfo();
    const { agent, step, instanceId } = input;
    const tools = input.tools ?? [];
    const data = input.data ?? { input: {}, outputs: {} };
    const pub = publisherFor(deps, instanceId);
    if (info.attempt > 1) await pub.coarseEvent({ type: 'RETRY', step, attempt: info.attempt, reason: `agent '${agent.id}': attempt ${info.attempt - 1} failed or timed out` });
    await pub.coarseEvent({ type: 'AGENT_THINKING', agentId: agent.id, step });
    ctx.heartbeat({ attempt: info.attempt });

    const request = agentRequest(agent, input.messages, tools);
    const messages: ChatMessage[] = [...request.messages];
    const wf = info.workflowExecution;
    const ledgerKey = `${wf?.workflowId ?? instanceId}:${wf?.runId ?? '-'}:${info.activityId}`;
    let stepUsage: UsageTotals = ZERO_USAGE;
    let routerAttempts = 0;
    let fallback = false;
    let last: ModelRound;
    for (let round = 1; ; round++) {
      // Round 1 keeps the key (and request id) a turn without tools has always had.
      const suffix = round === 1 ? '' : `:${round}`;
      last = await streamRound(agent, step, { ...request, messages: [...messages] }, `${instanceId}:${info.activityId}${suffix}`, pub);
      await recordUsage({
        key: `${ledgerKey}${suffix}`,
        instanceId,
        step,
        agentId: agent.id,
        provider: last.provider,
        model: last.model,
        ...last.usage,
        attempt: info.attempt,
        at: new Date(now()).toISOString(),
      });
      stepUsage = addUsage(stepUsage, last.usage);
      routerAttempts += last.routerAttempts;
      fallback ||= last.fallback;
      if (last.toolCalls.length === 0 || tools.length === 0) break;
      if (round >= MAX_TOOL_ROUNDS) {
        throw ApplicationFailure.nonRetryable(`agent '${agent.id}': the model still called tools after ${MAX_TOOL_ROUNDS} rounds`, 'ToolLoopLimit');
      }
      messages.push({ role: 'assistant', content: last.text === '' ? null : last.text, tool_calls: last.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })) });
      for (const call of last.toolCalls) {
        messages.push({ role: 'tool', tool_call_id: call.id, content: await runTool(call, tools, { agentId: agent.id, step, instanceId, data }, pub) });
        ctx.heartbeat({ attempt: info.attempt, round });
      }
    }

    const { provider, model } = last;
    const output: JsonValue = agent.output === 'json' ? parseJsonOutput(last.text, agent.id) : last.text;
    await pub.coarseEvent({ type: 'AGENT_COMPLETED', agentId: agent.id, step, output, usage: stepUsage, provider, model });
    return {
      output,
      usage: stepUsage,
      provider,
      model,
      attempt: info.attempt,
      routerAttempts,
      fallback,
      ...pub.result(),
    };
  }

  /** One tool call of an agent turn → the `tool` message content (JSON text). A call the model got wrong is answered with `{error}`. */
  async function runTool(call: ResultToolCall, tools: readonly FunctionSpec[], at: { agentId: string; step: string; instanceId: string; data: PipelineData }, pub: Publisher): Promise<string> {
    const spec = tools.find((f) => f.id === call.name);
    if (!spec) return JSON.stringify({ error: `unknown tool '${call.name}' (tools: ${tools.map((f) => f.id).join(', ')})` });
    const fn = lookupFunction(spec);
    const rendered = renderWith(spec.with ?? {}, at.data, fn.rawKeys ?? [], `tool '${spec.id}' of agent '${at.agentId}'`);
    const args = toolInput(rendered, call.arguments);
    if (!args.ok) return JSON.stringify({ error: `tool '${spec.id}': ${args.error}` });
    await pub.coarseEvent({ type: 'FUNCTION_EXECUTING', functionId: spec.id, step: at.step, progress: 0 });
    const output = await executeFunction(spec, fn, args.input, at);
    await pub.coarseEvent({ type: 'FUNCTION_COMPLETED', functionId: spec.id, step: at.step, output });
    return JSON.stringify(output);
  }

  function lookupFunction(spec: FunctionSpec): PipelineFunction {
    const fn = deps.functions.get(spec.uses);
    if (!fn) throw ApplicationFailure.nonRetryable(`function '${spec.id}': no function named '${spec.uses}' (known: ${deps.functions.names().join(', ')})`, 'NotFound');
    return fn;
  }

  /** Runs a function with its (rendered) input: the one path of function steps and agent tools. */
  async function executeFunction(spec: FunctionSpec, fn: PipelineFunction, withInput: JsonObject, at: { step: string; instanceId: string; data: PipelineData }): Promise<JsonValue> {
    const ctx = Context.current();
    try {
      const result = await fn.run(withInput, {
        instanceId: at.instanceId,
        step: at.step,
        data: at.data,
        signal: ctx.cancellationSignal,
        heartbeat: (progress) => ctx.heartbeat(progress),
        fetch: allowlistedFetch(deps.functions.config, ctx.cancellationSignal),
      });
      return result === undefined ? null : (JSON.parse(JSON.stringify(result)) as JsonValue);
    } catch (err) {
      if (ctx.cancellationSignal.aborted) throw cancelled(ctx);
      if (err instanceof ApplicationFailure) throw err;
      throw ApplicationFailure.create({ message: `function '${spec.id}' (${spec.uses}): ${(err as Error)?.message ?? String(err)}`, type: 'FunctionError', cause: err instanceof Error ? err : undefined });
    }
  }

  async function runFunction(input: FunctionCallInput): Promise<FunctionCallResult> {
    const info = activityInfo();
    const { fn: spec, step, instanceId } = input;
    const fn = lookupFunction(spec);
    const pub = publisherFor(deps, instanceId);
    if (info.attempt > 1) await pub.coarseEvent({ type: 'RETRY', step, attempt: info.attempt, reason: `function '${spec.id}': attempt ${info.attempt - 1} failed` });
    await pub.coarseEvent({ type: 'FUNCTION_EXECUTING', functionId: spec.id, step, progress: 0 });
    const withInput = renderWith(spec.with ?? {}, input.data, fn.rawKeys ?? [], `function '${spec.id}'`);
    const output = await executeFunction(spec, fn, withInput, { step, instanceId, data: input.data });
    await pub.coarseEvent({ type: 'FUNCTION_COMPLETED', functionId: spec.id, step, output });
    return { output, attempt: info.attempt, ...pub.result() };
  }

  /**
   * The workflow's coarse events onto the log, in order, each under its key (a retried call logs nothing
   * twice); answers them as logged — with the seq the log gave them — in the same order.
   */
  async function publishEvents(instanceId: string, events: UnloggedEvent[]): Promise<PipelineEvent[]> {
    const logged: PipelineEvent[] = [];
    for (const e of events) logged.push(await deps.events.append(instanceId, e));
    return logged;
  }

  return { callAgent, runFunction, publishEvents };
}

export type PipelineActivities = ReturnType<typeof createPipelineActivities>;
