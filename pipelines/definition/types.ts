/**
 * The compiled pipeline model and the workflow's I/O, signals, queries and events: the contract between the
 * definition compiler (API side), the interpreter workflow, the activities and the API. Node-free and
 * deterministic: workflow code imports this file. (The zod schema of the *source* definition format lives in
 * definition-schema.ts and compiles into these types.)
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A guard over pipeline data (see rules.ts). A string names a rule in `PipelineDefinition.rules`. */
export type Rule =
  | string
  | { field_exists: string }
  | { equals: [string, JsonValue] }
  | { greater_than: [string, number] }
  | { less_than: [string, number] }
  | { contains: [string, JsonValue] }
  | { and: Rule[] }
  | { or: Rule[] }
  | { not: Rule }
  /** The small safe expression language, e.g. `outputs.reviewer.score >= 8 and not outputs.fact_check.failed`. */
  | { expr: string };

export interface AgentSpec {
  id: string;
  role: string;
  /** A provider-qualified model (`openai/gpt-4o`), a model name, or a routing alias / virtual model (`auto`). */
  model: string;
  /** Shorthand for a virtual model: best_available → auto, cheapest → cb:cost-optimal, fastest → cb:fastest. */
  strategy?: string;
  prompts: { system?: string; user_template: string };
  temperature?: number;
  max_tokens?: number;
  /** `json`: the output is parsed as JSON (response_format json_object) and stored as an object. */
  output?: 'text' | 'json';
  /** Function ids (of `PipelineDefinition.functions`) the model may call as tools during its turn; default none. */
  tools?: string[];
}

export interface FunctionSpec {
  id: string;
  /** Built-in (`http_request`, `extract_text`, `json_transform`, `template`) or a registered custom function name. */
  uses: string;
  /** Static configuration; string values may contain `{variable}` templates rendered at run time. */
  with?: JsonObject;
  /** For the model when an agent uses this function as a tool: what it does. */
  description?: string;
  /** For the model when an agent uses this function as a tool: JSON Schema of its arguments (default `{type: 'object'}`). */
  parameters?: JsonObject;
}

export type Action =
  | { type: 'agent'; agent: string; /** data key for the output; default the agent id */ output?: string }
  | { type: 'function'; function: string; output?: string }
  | { type: 'parallel'; branches: Array<Extract<Action, { type: 'agent' | 'function' }>> }
  | { type: 'wait_signal'; /** e.g. 'approval' */ signal: string; timeout_ms?: number; /** place to go to on timeout */ on_timeout?: string; output?: string };

export interface Transition {
  id: string;
  from: string[];
  to: string;
  rules?: Rule;
  action?: Action;
}

export interface PipelineDefinition {
  id: string;
  version: number;
  name: string;
  description?: string;
  /** JSON Schema of the initial data (validated by the API before start). */
  initialData?: JsonObject;
  agents: AgentSpec[];
  functions: FunctionSpec[];
  rules: Record<string, Rule>;
  states: string[];
  initial: string;
  terminal: string[];
  transitions: Transition[];
  /** A transition taken more than this many times fails the run (review loops end). */
  maxIterations: number;
  /** Optional Temporal Schedule: cron expression and the initial data of scheduled runs. */
  schedule?: { cron: string; initialData?: JsonObject };
}

// ---- workflow I/O ----------------------------------------------------------------------------------------

export interface PipelineInput {
  /** The definition travels in the input: a run keeps the version it started with. */
  definition: PipelineDefinition;
  initialData: JsonObject;
  /** API caller label (search attribute, cost attribution). */
  caller: string;
}

export type PipelineStatus = 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled';
export type StepStatus = 'pending' | 'running' | 'completed' | 'failed';

export interface UsageTotals {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costUsd: number;
}

export interface PipelineState {
  status: PipelineStatus;
  currentPlace: string;
  /** `initialData` under `input`, every step's output under `outputs.<output key>`. */
  data: { input: JsonObject; outputs: JsonObject };
  /** Transitions taken; `seq` is that of its WORKFLOW_TRANSITION event, once the log has taken it. */
  history: Array<{ seq?: number; from: string; to: string; transition: string; at: string }>;
  agents: Record<string, { status: StepStatus; output?: JsonValue; usage?: UsageTotals; provider?: string; model?: string; attempts?: number }>;
  functions: Record<string, { status: StepStatus; output?: JsonValue }>;
  usage: UsageTotals;
  /** The coarse events so far (no token deltas): a late subscriber rebuilds the picture from these. */
  events: PipelineEvent[];
  waitingFor?: { signal: string; since: string; timeoutMs?: number };
  error?: string;
}

export interface PipelineResult {
  status: 'completed';
  place: string;
  outputs: JsonObject;
  usage: UsageTotals;
}

/** Sent with the `pipelineInput` update (or, fire-and-forget, the `pipelineSignal` signal): see pipeline-messages.ts. */
export interface PipelineSignalPayload {
  /** approve | reject | input (provide data) — matched against the waiting action's `signal` name or `*`. */
  type: 'approve' | 'reject' | 'input';
  /** For which wait (the action's `signal` name); default: whatever the run is waiting for. */
  signal?: string;
  data?: JsonObject;
  comment?: string;
}

// ---- events ----------------------------------------------------------------------------------------------

/**
 * Progress events. `seq` orders them per instance and is the SSE `id`; the event log's append assigns it (the
 * one sequence authority — see pipelines/README.md). Coarse events are produced by the workflow and by
 * activities, appended to the log, and kept (as logged) in the workflow's state; token deltas (AGENT_CONTENT)
 * travel only on the log (in-process or Redis), never through history. COMPLETION, FAILED and CANCELLED are
 * terminal: a feed ends after one of them.
 */
export type PipelineEvent = { seq: number; at: string; instanceId: string } & PipelineEventBody;

export type PipelineEventBody =
  | { type: 'WORKFLOW_STARTED'; workflowId: string; version: number; place: string }
  | { type: 'WORKFLOW_TRANSITION'; from: string; to: string; transition: string }
  | { type: 'AGENT_THINKING'; agentId: string; step: string }
  | { type: 'AGENT_CONTENT'; agentId: string; step: string; delta: string }
  | { type: 'AGENT_COMPLETED'; agentId: string; step: string; output: JsonValue; usage: UsageTotals; provider?: string; model?: string }
  | { type: 'FUNCTION_EXECUTING'; functionId: string; step: string; progress?: number }
  | { type: 'FUNCTION_COMPLETED'; functionId: string; step: string; output: JsonValue }
  | { type: 'RETRY'; step: string; attempt: number; reason?: string }
  | { type: 'WAITING_FOR_SIGNAL'; signal: string; timeoutMs?: number }
  | { type: 'COMPLETION'; result: JsonObject; usage: UsageTotals }
  | { type: 'FAILED'; error: string }
  /**
   * The run ended without completing or failing on its own: `reason` cancelled (by the workflow, on a cancel
   * request), terminated or timed_out (appended by the API's liveness check, since no workflow code ran).
   * `status` is what the instance reports (a terminated run is `failed`, as in GET /v1/workflow-instances).
   */
  | { type: 'CANCELLED'; reason: 'cancelled' | 'terminated' | 'timed_out'; status: 'cancelled' | 'failed' };

export type PipelineEventType = PipelineEvent['type'];

/** The events after which nothing more happens in a run. */
export const TERMINAL_EVENT_TYPES: readonly PipelineEventType[] = ['COMPLETION', 'FAILED', 'CANCELLED'];

/** The instance status a terminal event ends a run with. */
export function statusOfTerminal(event: PipelineEventBody): PipelineStatus | undefined {
  if (event.type === 'COMPLETION') return 'completed';
  if (event.type === 'FAILED') return 'failed';
  if (event.type === 'CANCELLED') return event.status;
  return undefined;
}

/**
 * An event as appended to the log: the log assigns `seq` and fills `instanceId` (and `at` when absent). `key`
 * makes the append idempotent — appending the same key again answers the event already logged — so a retried
 * publish (local activity retry, Redis command timeout) never logs an event twice.
 */
export type PipelineEventDraft = PipelineEventBody & { key?: string; at?: string };

/** A coarse event not yet in the log (the workflow publishes it, keyed, until the log has taken it). */
export type UnloggedEvent = PipelineEventBody & { key: string; at: string };

/** Search attributes registered on the dev server / namespace (Keyword). */
export const SEARCH_ATTRIBUTES = { definition: 'CbDefinition', caller: 'CbCaller', instance: 'CbInstance' } as const;
