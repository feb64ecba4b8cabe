/**
 * The pipeline interpreter: one deterministic workflow over a compiled PipelineDefinition (it travels in the
 * input, so a run keeps its version). At the current place it takes the first transition (in order) whose
 * rules pass, runs its action (agent / function activity, parallel fan-out/fan-in, wait for input), stores
 * the output under `data.outputs[key]`, moves, and records history and coarse events in its state (query
 * `pipelineState`). Its events go to the event log through the `publishEvents` local activity; the log numbers
 * them and the logged copies are what the state keeps. A `wait_signal` step is answered by the `pipelineInput`
 * update (validated: the caller learns at once whether it was taken) or the fire-and-forget `pipelineSignal`.
 * Failures are ApplicationFailures (never plain Errors: those would retry the workflow task forever); a
 * cancelled run publishes CANCELLED.
 */
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  TemporalFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type { AgentMessage } from '../activities/agent-call';
import type { PipelineActivities } from '../activities/pipeline-activities';
import {
  addressesWait,
  checkSignalPayload,
  INPUT_REFUSAL,
  inputRefusal,
  pipelineInputUpdate,
  pipelineSignal,
  pipelineStateQuery,
  type PipelineInputAccepted,
  type PipelineWorkflow,
} from '../pipelines/definition/pipeline-messages';
import { evaluateRule } from '../pipelines/definition/rules';
import { renderTemplate } from '../pipelines/definition/templates';
import {
  type Action,
  type AgentSpec,
  type FunctionSpec,
  type JsonObject,
  type PipelineDefinition,
  type PipelineInput,
  type PipelineResult,
  type PipelineSignalPayload,
  type PipelineState,
  type Transition,
} from '../pipelines/definition/types';
import { RunState } from './pipeline-run-state';


/** Failure types no retry can fix (matched against ApplicationFailure.type). */
const NON_RETRYABLE = ['InvalidRequest', 'Unauthorized', 'NotFound', 'InvalidOutput', 'HostNotAllowed', 'InvalidDocument', 'ResponseTooLarge', 'MissingData'];

/** Agent turns: streamed LLM calls, heartbeating; Retry-After overrides the backoff (nextRetryDelay). */
const agents = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  cancellationType: ActivityCancellationType.TRY_CANCEL,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
});

/** Coarse events onto the log: cheap, local, many quick attempts; a failure never fails the run. */
const events = proxyLocalActivities<PipelineActivities>({
  startToCloseTimeout: '5 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '1 second', maximumAttempts: 3 },
});

/** Functions may have side effects: maximumAttempts comes from the step (`with.max_attempts`, default 3). */
function functionActivities(maximumAttempts: number) {
  return proxyActivities<PipelineActivities>({
    startToCloseTimeout: '5 minutes',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts, nonRetryableErrorTypes: NON_RETRYABLE },
  });
}

type StepAction = Extract<Action, { type: 'agent' | 'function' }>;

export async function pipelineWorkflow(input: PipelineInput): Promise<PipelineResult> {
  const def = input.definition;
  const info = workflowInfo();
  const run = new RunState(info.workflowId, info.runId, input, () => new Date());
  const state = run.state;
  const inbox: PipelineSignalPayload[] = [];
  setHandler(pipelineSignal, (payload) => {
    inbox.push(payload);
  });
  setHandler(pipelineStateQuery, () => state);
  /** Why this input cannot be taken now (the validator, and again in the handler: an earlier update may have answered). */
  const refuse = (payload: unknown): ApplicationFailure | undefined => {
    const checked = checkSignalPayload(payload);
    if (!checked.ok) return ApplicationFailure.create({ type: INPUT_REFUSAL.invalid, message: checked.message, nonRetryable: true, details: [checked.param] });
    const waiting = state.waitingFor;
    const answered = waiting !== undefined && inbox.some((p) => addressesWait(p, waiting.signal));
    const why = inputRefusal(state, checked.payload, answered);
    return why ? ApplicationFailure.create({ type: why.type, message: why.message, nonRetryable: true }) : undefined;
  };
  setHandler(
    pipelineInputUpdate,
    (payload): PipelineInputAccepted => {
      const refusal = refuse(payload);
      if (refusal) throw refusal;
      const waitingFor = state.waitingFor?.signal ?? '';
      const taken: PipelineSignalPayload = { ...payload, signal: waitingFor };
      inbox.push(taken);
      return { accepted: true, waitingFor, signal: taken };
    },
    {
      validator: (payload) => {
        const refusal = refuse(payload);
        if (refusal) throw refusal;
      },
    },
  );

  /** Publishes the queued events; the log numbers them. On failure they stay queued for the next publish. */
  const publish = async (): Promise<void> => {
    const batch = run.pending();
    if (batch.length === 0) return;
    try {
      run.logged(batch, await events.publishEvents(run.instanceId, batch));
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('pipeline events could not be published (kept for the next publish)', { error: errorMessage(err), events: batch.length });
    }
  };

  async function runStep(action: StepAction, t: Transition): Promise<void> {
    const data = { input: state.data.input, outputs: { ...state.data.outputs } };
    if (action.type === 'agent') {
      const agent = def.agents.find((a) => a.id === action.agent);
      if (!agent) throw ApplicationFailure.nonRetryable(`transition '${t.id}': unknown agent '${action.agent}'`, 'InvalidDefinition');
      const messages = renderPrompts(agent, data, t.id);
      state.agents[agent.id] = { ...state.agents[agent.id], status: 'running' };
      try {
        const tools = toolFunctionsOf(def, agent, t.id);
        const r = await agents.callAgent({ instanceId: run.instanceId, step: t.id, agent, messages, ...(tools ? { tools, data } : {}) });
        run.adopt(r);
        run.addUsage(r.usage);
        state.data.outputs[action.output ?? agent.id] = r.output;
        state.agents[agent.id] = { status: 'completed', output: r.output, usage: r.usage, provider: r.provider, model: r.model, attempts: r.attempt };
      } catch (err) {
        state.agents[agent.id] = { ...state.agents[agent.id], status: 'failed' };
        throw stepFailure(err, t.id, `agent '${agent.id}'`);
      }
      return;
    }
    const spec = def.functions.find((f) => f.id === action.function);
    if (!spec) throw ApplicationFailure.nonRetryable(`transition '${t.id}': unknown function '${action.function}'`, 'InvalidDefinition');
    const maxAttempts = typeof spec.with?.max_attempts === 'number' && spec.with.max_attempts >= 1 ? Math.floor(spec.with.max_attempts) : 3;
    state.functions[spec.id] = { ...state.functions[spec.id], status: 'running' };
    try {
      const r = await functionActivities(maxAttempts).runFunction({ instanceId: run.instanceId, step: t.id, fn: spec, data });
      run.adopt(r);
      state.data.outputs[action.output ?? spec.id] = r.output;
      state.functions[spec.id] = { status: 'completed', output: r.output };
    } catch (err) {
      state.functions[spec.id] = { ...state.functions[spec.id], status: 'failed' };
      throw stepFailure(err, t.id, `function '${spec.id}'`);
    }
  }

  /** Waits for a matching signal (or the timeout); answers the place to go to. */
  async function waitSignal(action: Extract<Action, { type: 'wait_signal' }>, t: Transition): Promise<string> {
    const matches = (p: PipelineSignalPayload): boolean => addressesWait(p, action.signal);
    state.status = 'waiting';
    state.waitingFor = { signal: action.signal, since: new Date().toISOString(), ...(action.timeout_ms !== undefined ? { timeoutMs: action.timeout_ms } : {}) };
    run.emit({ type: 'WAITING_FOR_SIGNAL', signal: action.signal, ...(action.timeout_ms !== undefined ? { timeoutMs: action.timeout_ms } : {}) });
    await publish();
    const ready = () => inbox.some(matches);
    const arrived = action.timeout_ms !== undefined ? await condition(ready, action.timeout_ms) : (await condition(ready), true);
    state.status = 'running';
    delete state.waitingFor;
    const key = action.output ?? action.signal;
    if (!arrived) {
      state.data.outputs[key] = { decision: 'timeout', approved: false, timedOut: true };
      return action.on_timeout ?? t.to;
    }
    const p = inbox.splice(inbox.findIndex(matches), 1)[0] as PipelineSignalPayload;
    const out: JsonObject = { decision: p.type, approved: p.type !== 'reject' };
    if (p.comment !== undefined) out.comment = p.comment;
    if (p.data !== undefined) out.data = p.data;
    state.data.outputs[key] = out;
    return t.to;
  }

  async function runAction(t: Transition): Promise<string> {
    const action = t.action;
    if (!action) return t.to;
    switch (action.type) {
      case 'agent':
      case 'function':
        await publish();
        await runStep(action, t);
        return t.to;
      case 'parallel':
        await publish();
        await Promise.all(action.branches.map((b) => runStep(b, t)));
        return t.to;
      case 'wait_signal':
        return await waitSignal(action, t);
    }
  }

  run.emit({ type: 'WORKFLOW_STARTED', workflowId: def.id, version: def.version, place: def.initial });
  const taken = new Map<string, number>();
  try {
    await publish();
    while (!def.terminal.includes(state.currentPlace)) {
      const place = state.currentPlace;
      const t = pickTransition(def, place, state.data);
      const n = (taken.get(t.id) ?? 0) + 1;
      taken.set(t.id, n);
      if (n > def.maxIterations) {
        throw ApplicationFailure.nonRetryable(`transition '${t.id}' would be taken more than maxIterations (${def.maxIterations}) times`, 'MaxIterationsExceeded');
      }
      const to = await runAction(t);
      run.transition(place, to, t.id);
      await publish();
    }
    state.status = 'completed';
    run.emit({ type: 'COMPLETION', result: state.data.outputs, usage: state.usage });
    await publish();
    return { status: 'completed', place: state.currentPlace, outputs: state.data.outputs, usage: state.usage };
  } catch (err) {
    const cancelled = isCancellation(err);
    const failure = cancelled ? undefined : toWorkflowFailure(err);
    state.status = cancelled ? 'cancelled' : 'failed';
    state.error = cancelled ? 'cancelled' : failure?.message;
    delete state.waitingFor;
    run.emit(cancelled ? { type: 'CANCELLED', reason: 'cancelled', status: 'cancelled' } : { type: 'FAILED', error: state.error ?? 'failed' });
    await CancellationScope.nonCancellable(publish).catch(() => undefined);
    throw failure ?? err;
  }
}

/** The workflow's signature is the one clients start it by (pipelines/definition/pipeline-messages.ts). */
const _signature: PipelineWorkflow = pipelineWorkflow;

/** The function specs of an agent's tools (none: undefined, and the activity input stays as it always was). */
function toolFunctionsOf(def: PipelineDefinition, agent: AgentSpec, step: string): FunctionSpec[] | undefined {
  if (!agent.tools || agent.tools.length === 0) return undefined;
  return agent.tools.map((id) => {
    const spec = def.functions.find((f) => f.id === id);
    if (!spec) throw ApplicationFailure.nonRetryable(`step '${step}' (agent '${agent.id}'): unknown tool function '${id}'`, 'InvalidDefinition');
    return spec;
  });
}

/** The agent's system and user messages; a missing required placeholder fails the step, naming it. */
function renderPrompts(agent: AgentSpec, data: PipelineState['data'], step: string): AgentMessage[] {
  const messages: AgentMessage[] = [];
  const missing: string[] = [];
  for (const [role, template] of [['system', agent.prompts.system], ['user', agent.prompts.user_template]] as const) {
    if (template === undefined || template === '') continue;
    const r = renderTemplate(template, data);
    missing.push(...r.missing.map((m) => `{${m}}`));
    messages.push({ role, content: r.text });
  }
  if (missing.length > 0) {
    throw ApplicationFailure.nonRetryable(`step '${step}' (agent '${agent.id}'): no value for ${[...new Set(missing)].join(', ')} in its prompts`, 'MissingData');
  }
  return messages;
}

/** The first transition out of `place` whose rules pass; fails the run when there is none. */
function pickTransition(def: PipelineDefinition, place: string, data: PipelineState['data']): Transition {
  for (const t of def.transitions) {
    if (!t.from.includes(place)) continue;
    let pass: boolean;
    try {
      pass = t.rules === undefined || evaluateRule(t.rules, data, def.rules);
    } catch (err) {
      throw ApplicationFailure.nonRetryable(`transition '${t.id}': its rules could not be evaluated: ${errorMessage(err)}`, 'InvalidRule');
    }
    if (pass) return t;
  }
  const outgoing = def.transitions.filter((t) => t.from.includes(place)).map((t) => t.id);
  throw ApplicationFailure.nonRetryable(
    `no transition applies at place '${place}' (not terminal; ${outgoing.length ? `the rules of ${outgoing.join(', ')} do not pass` : 'no transition leaves it'})`,
    'NoTransition',
  );
}

function errorMessage(err: unknown): string {
  if (err instanceof TemporalFailure && err.cause) return `${err.message}: ${errorMessage(err.cause)}`;
  return err instanceof Error ? err.message : String(err);
}

/** A failed step as a non-retryable ApplicationFailure naming the step (cancellation passes through). */
function stepFailure(err: unknown, step: string, what: string): unknown {
  if (isCancellation(err)) return err;
  if (err instanceof ApplicationFailure && !(err.cause instanceof Error)) return err; // ours, already clear
  const cause = err instanceof TemporalFailure && err.cause instanceof Error ? err.cause : err;
  const type = cause instanceof ApplicationFailure ? (cause.type ?? 'StepFailed') : 'StepFailed';
  const message = `step '${step}' (${what}) failed: ${cause instanceof Error ? cause.message : String(cause)}`;
  return ApplicationFailure.create({ message, type, nonRetryable: true, cause: err instanceof Error ? err : undefined });
}

/** Anything thrown inside the interpreter as a workflow failure (never a plain Error). */
function toWorkflowFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof TemporalFailure) return ApplicationFailure.create({ message: errorMessage(err), type: 'StepFailed', nonRetryable: true, cause: err });
  return ApplicationFailure.nonRetryable(`pipeline interpreter error: ${errorMessage(err)}`, 'PipelineError');
}

