/**
 * The pipeline activities: `callAgent` (one agent turn through the gateway router — failover, circuits and keys
 * as in /v1/chat/completions — streamed, with token deltas on the event log), `runFunction` (a built-in or user
 * function) and `publishEvents` (the workflow's coarse events onto the event log).
 */
import { activityInfo, Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Usage } from '../gateway/core/chat-result';
import type { GatewayRuntime } from '../gateway/routing/gateway-runtime';
import type { EventLog, PipelineEventInput } from '../pipelines/event-log';
import type { UsageEntry, UsageLedger } from '../pipelines/usage-ledger';
import type { JsonValue, PipelineEvent, UsageTotals } from '../temporal/pipeline/types';
import { agentRequest, parseJsonOutput, toActivityFailure } from './agent-call';
import { renderWith } from './functions/render-with';
import type { FunctionRegistry } from './functions/function-registry';
import { allowlistedFetch } from './functions/http-request';
import type { AgentCallInput, AgentCallResult, FunctionCallInput, FunctionCallResult } from './pipeline-activity-types';

export interface PipelineActivityDeps {
  runtime: GatewayRuntime;
  events: EventLog;
  ledger: UsageLedger;
  functions: FunctionRegistry;
  now?: () => number;
  logger?: { warn(obj: object, msg: string): void };
}

/** Appends to the log; a log failure never fails the step (the event keeps a provisional seq). */
class Publisher {
  lastSeq = 0;
  readonly coarse: PipelineEvent[] = [];
  private readonly pending: Array<Promise<unknown>> = [];

  constructor(
    private readonly deps: PipelineActivityDeps,
    private readonly instanceId: string,
  ) {}

  /** Coarse events are awaited (their seq is returned to the workflow). */
  async coarseEvent(event: PipelineEventInput): Promise<void> {
    await Promise.all(this.pending.splice(0));
    const logged = await this.deps.events.append(this.instanceId, event).catch((err: unknown) => {
      this.deps.logger?.warn({ err }, 'pipeline event log: append failed');
      return { ...event, instanceId: this.instanceId, seq: this.lastSeq + 1, at: new Date(this.now()).toISOString() } as PipelineEvent;
    });
    this.lastSeq = Math.max(this.lastSeq, logged.seq);
    this.coarse.push(logged);
  }

  /** Deltas are sent in order without waiting for each other. */
  delta(event: PipelineEventInput): void {
    this.pending.push(
      this.deps.events.append(this.instanceId, event).then(
        (e) => (this.lastSeq = Math.max(this.lastSeq, e.seq)),
        () => undefined,
      ),
    );
  }

  async flush(): Promise<void> {
    await Promise.all(this.pending.splice(0));
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}

function cancelled(ctx: Context): CancelledFailure {
  const reason: unknown = ctx.cancellationSignal.reason;
  return reason instanceof CancelledFailure ? reason : new CancelledFailure(typeof reason === 'string' ? reason : 'activity cancelled');
}

function totals(usage: Usage | undefined, costUsd: number): UsageTotals {
  return { promptTokens: usage?.promptTokens ?? 0, completionTokens: usage?.completionTokens ?? 0, totalTokens: usage?.totalTokens ?? 0, costUsd };
}

export function createPipelineActivities(deps: PipelineActivityDeps) {
  const now = deps.now ?? Date.now;

  /**
   * The ledger write, retried briefly. If the ledger stays down the step still succeeds (its usage is in the
   * workflow state): failing it would call — and pay — the provider again.
   */
  async function recordUsage(entry: UsageEntry): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await deps.ledger.record(entry);
        return;
      } catch (err) {
        if (attempt >= 3) {
          deps.logger?.warn({ err, key: entry.key }, 'usage ledger: could not record a billed call');
          return;
        }
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  async function callAgent(input: AgentCallInput): Promise<AgentCallResult> {
    const ctx = Context.current();
    const info = activityInfo();
    const { agent, step, instanceId } = input;
    const pub = new Publisher(deps, instanceId);
    if (info.attempt > 1) await pub.coarseEvent({ type: 'RETRY', step, attempt: info.attempt, reason: `agent '${agent.id}': attempt ${info.attempt - 1} failed or timed out` });
    await pub.coarseEvent({ type: 'AGENT_THINKING', agentId: agent.id, step });
    ctx.heartbeat({ attempt: info.attempt });

    const request = agentRequest(agent, input.messages);
    let text = '';
    let usage: Usage | undefined;
    let routed;
    try {
      routed = await deps.runtime.router.stream({ model: request.model, stream: true, request, extensions: {} }, { signal: ctx.cancellationSignal, requestId: `${instanceId}:${info.activityId}` });
      for await (const part of routed.value) {
        if (part.type === 'text-delta' && part.choice === 0 && part.delta !== '') {
          text += part.delta;
          pub.delta({ type: 'AGENT_CONTENT', agentId: agent.id, step, delta: part.delta });
          ctx.heartbeat({ attempt: info.attempt, chars: text.length });
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
    const provider = candidate.provider.settings.name;
    const model = candidate.model.modelId;
    const cost = usage ? (deps.runtime.prices.cost(candidate.ref, usage) ?? 0) : 0;
    const stepUsage = totals(usage, cost);
    const wf = info.workflowExecution;
    await recordUsage({
      key: `${wf?.workflowId ?? instanceId}:${wf?.runId ?? '-'}:${info.activityId}`,
      instanceId,
      step,
      agentId: agent.id,
      provider,
      model,
      ...stepUsage,
      attempt: info.attempt,
      at: new Date(now()).toISOString(),
    });

    const output: JsonValue = agent.output === 'json' ? parseJsonOutput(text, agent.id) : text;
    await pub.coarseEvent({ type: 'AGENT_COMPLETED', agentId: agent.id, step, output, usage: stepUsage, provider, model });
    return {
      output,
      usage: stepUsage,
      provider,
      model,
      attempt: info.attempt,
      routerAttempts: routed.attempts.length,
      fallback: routed.fallback,
      events: pub.coarse,
      lastSeq: pub.lastSeq,
    };
  }

  async function runFunction(input: FunctionCallInput): Promise<FunctionCallResult> {
    const ctx = Context.current();
    const info = activityInfo();
    const { fn: spec, step, instanceId } = input;
    const fn = deps.functions.get(spec.uses);
    if (!fn) throw ApplicationFailure.nonRetryable(`function '${spec.id}': no function named '${spec.uses}' (known: ${deps.functions.names().join(', ')})`, 'NotFound');
    const pub = new Publisher(deps, instanceId);
    if (info.attempt > 1) await pub.coarseEvent({ type: 'RETRY', step, attempt: info.attempt, reason: `function '${spec.id}': attempt ${info.attempt - 1} failed` });
    await pub.coarseEvent({ type: 'FUNCTION_EXECUTING', functionId: spec.id, step, progress: 0 });
    const withInput = renderWith(spec.with ?? {}, input.data, fn.rawKeys ?? [], `function '${spec.id}'`);
    let output: JsonValue;
    try {
      const result = await fn.run(withInput, {
        instanceId,
        step,
        data: input.data,
        signal: ctx.cancellationSignal,
        heartbeat: (progress) => ctx.heartbeat(progress),
        fetch: allowlistedFetch(deps.functions.config, ctx.cancellationSignal),
      });
      output = result === undefined ? null : (JSON.parse(JSON.stringify(result)) as JsonValue);
    } catch (err) {
      if (ctx.cancellationSignal.aborted) throw cancelled(ctx);
      if (err instanceof ApplicationFailure) throw err;
      throw ApplicationFailure.create({ message: `function '${spec.id}' (${spec.uses}): ${(err as Error)?.message ?? String(err)}`, type: 'FunctionError', cause: err instanceof Error ? err : undefined });
    }
    await pub.coarseEvent({ type: 'FUNCTION_COMPLETED', functionId: spec.id, step, output });
    return { output, attempt: info.attempt, events: pub.coarse, lastSeq: pub.lastSeq };
  }

  /** The workflow's coarse events (with their workflow-given seq) onto the log; answers the highest seq. */
  async function publishEvents(instanceId: string, events: PipelineEvent[]): Promise<number> {
    let last = 0;
    for (const e of events) {
      const { instanceId: _id, ...rest } = e;
      const logged = await deps.events.append(instanceId, rest);
      last = Math.max(last, logged.seq);
    }
    return last;
  }

  return { callAgent, runFunction, publishEvents };
}

export type PipelineActivities = ReturnType<typeof createPipelineActivities>;
