/**
 * Inputs and results of the pipeline activities, shared with the workflow (which imports them with
 * `import type`). The coarse events an activity appended are returned as the log numbered them (the log is the
 * one sequence authority), so the workflow keeps them in its state; the ones the log did not take come back
 * keyed, for the workflow to publish.
 */
import type { AgentSpec, FunctionSpec, JsonObject, JsonValue, PipelineEvent, UnloggedEvent, UsageTotals } from '../pipelines/definition/types';
import type { AgentMessage } from './agent-call';

export interface PublishedEvents {
  /** The coarse events this activity appended (RETRY, AGENT_THINKING/COMPLETED, FUNCTION_*), as logged. */
  events: PipelineEvent[];
  /** Coarse events the log could not take (it was unreachable): the workflow publishes them, same keys. */
  unlogged: UnloggedEvent[];
}

export interface AgentCallInput {
  instanceId: string;
  /** The transition id (the step). */
  step: string;
  agent: AgentSpec;
  /** The rendered prompts (system, user). */
  messages: AgentMessage[];
  /** Only when the agent has `tools`: their function specs (in the agent's order) … */
  tools?: FunctionSpec[];
  /** … and the pipeline data their `with` templates render against. */
  data?: { input: JsonObject; outputs: JsonObject };
}

export interface AgentCallResult extends PublishedEvents {
  output: JsonValue;
  usage: UsageTotals;
  provider: string;
  model: string;
  /** Activity attempt that answered. */
  attempt: number;
  /** Router attempts inside this activity attempt (failover) and whether a fallback answered. */
  routerAttempts: number;
  fallback: boolean;
}

export interface FunctionCallInput {
  instanceId: string;
  step: string;
  fn: FunctionSpec;
  data: { input: JsonObject; outputs: JsonObject };
}

export interface FunctionCallResult extends PublishedEvents {
  output: JsonValue;
  attempt: number;
}
