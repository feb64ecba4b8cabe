/**
 * Inputs and results of the pipeline activities, shared with the workflow (which imports them with
 * `import type`). Events an activity published are returned with the seq the log gave them, so the workflow
 * can keep them in its state and number its own next events above them.
 */
import type { AgentSpec, FunctionSpec, JsonObject, JsonValue, PipelineEvent, UsageTotals } from '../pipelines/definition/types';
import type { AgentMessage } from './agent-call';

export interface PublishedEvents {
  /** The coarse events this activity published (AGENT_THINKING/COMPLETED, FUNCTION_*, RETRY), as logged. */
  events: PipelineEvent[];
  /** The highest seq this activity saw in the log (token deltas included). */
  lastSeq: number;
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
