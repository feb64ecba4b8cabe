/**
 * The public shapes of pipeline instances (REST today, GraphQL later) and their mapping from the workflow's
 * state query and Temporal's describe/list answers. Pure: no I/O.
 */
import type { JsonObject, JsonValue, PipelineDefinition, PipelineState, PipelineStatus, StepStatus, UsageTotals } from './definition/types';

/** What the run carries in its memo, so describe/list can answer without a query (and without a worker). */
export interface InstanceMemo {
  definitionId: string;
  version: number;
  name: string;
  caller: string;
  agents: Array<{ id: string; role: string }>;
}

export interface InstanceLinks {
  streamUrl: string;
  temporalUiUrl: string;
}

export interface InstanceSummary extends InstanceLinks {
  id: string;
  /** The definition id (the issue's `workflowId`). */
  workflowId: string;
  version: number;
  status: PipelineStatus;
  currentPlace: string | null;
  agents: Array<{ id: string; role: string; status: StepStatus }>;
}

export interface InstanceDetail extends Omit<InstanceSummary, 'agents'> {
  name: string;
  caller: string | null;
  startedAt: string | null;
  closedAt: string | null;
  agents: Array<{ id: string; role: string; status: StepStatus; output?: JsonValue; usage?: UsageTotals; provider?: string; model?: string; attempts?: number }>;
  functions: Array<{ id: string; status: StepStatus; output?: JsonValue }>;
  history: PipelineState['history'];
  outputs: JsonObject;
  usage: UsageTotals | null;
  /** Usage and cost as billed (the ledger), when a ledger is configured. */
  billed?: UsageTotals;
  waitingFor?: PipelineState['waitingFor'];
  error?: string;
  /** Set when the state query could not be answered (e.g. no worker polling): the rest comes from describe(). */
  message?: string;
}

/** Temporal execution status name → pipeline status. */
export function statusFromTemporal(name: string): PipelineStatus {
  switch (name) {
    case 'RUNNING':
    case 'CONTINUED_AS_NEW':
      return 'running';
    case 'COMPLETED':
      return 'completed';
    case 'CANCELLED':
    case 'CANCELED':
      return 'cancelled';
    default:
      return 'failed'; // FAILED, TIMED_OUT, TERMINATED
  }
}

/** Pipeline status filter → visibility ExecutionStatus clause. `waiting` is a running execution to Temporal. */
export function statusClause(status: string): string | undefined {
  switch (status) {
    case 'running':
    case 'waiting':
      return "ExecutionStatus = 'Running'";
    case 'completed':
      return "ExecutionStatus = 'Completed'";
    case 'failed':
      return "ExecutionStatus IN ('Failed', 'TimedOut', 'Terminated')";
    case 'cancelled':
      return "ExecutionStatus = 'Canceled'";
    default:
      return undefined;
  }
}

export function memoFor(def: PipelineDefinition, caller: string): InstanceMemo {
  return { definitionId: def.id, version: def.version, name: def.name, caller, agents: def.agents.map((a) => ({ id: a.id, role: a.role })) };
}

/** Reads our memo back (defensively: runs started elsewhere may lack it). */
export function readMemo(memo: Record<string, unknown> | undefined): Partial<InstanceMemo> {
  const m = memo ?? {};
  const out: Partial<InstanceMemo> = {};
  if (typeof m.definitionId === 'string') out.definitionId = m.definitionId;
  if (typeof m.version === 'number') out.version = m.version;
  if (typeof m.name === 'string') out.name = m.name;
  if (typeof m.caller === 'string') out.caller = m.caller;
  if (Array.isArray(m.agents)) {
    out.agents = m.agents.flatMap((a: unknown) => {
      const r = a as { id?: unknown; role?: unknown } | null;
      return r && typeof r.id === 'string' ? [{ id: r.id, role: typeof r.role === 'string' ? r.role : r.id }] : [];
    });
  }
  return out;
}

export interface DescribeFacts {
  id: string;
  status: string;
  startTime?: Date;
  closeTime?: Date;
  memo: Partial<InstanceMemo>;
}

/** The detail view: from the state query when there is one, else from describe() alone. */
export function detailView(facts: DescribeFacts, links: InstanceLinks, state: PipelineState | undefined): InstanceDetail {
  const memo = facts.memo;
  const roles = new Map((memo.agents ?? []).map((a) => [a.id, a.role]));
  const agentIds = [...new Set([...roles.keys(), ...Object.keys(state?.agents ?? {})])];
  const temporalStatus = statusFromTemporal(facts.status);
  // Temporal's word wins once the run is closed (a cancelled run's last query may still say running).
  const status = temporalStatus !== 'running' ? temporalStatus : (state?.status ?? 'running');
  const detail: InstanceDetail = {
    id: facts.id,
    workflowId: memo.definitionId ?? 'unknown',
    version: memo.version ?? 0,
    name: memo.name ?? memo.definitionId ?? 'unknown',
    caller: memo.caller ?? null,
    status,
    currentPlace: state?.currentPlace ?? null,
    startedAt: facts.startTime?.toISOString() ?? null,
    closedAt: facts.closeTime?.toISOString() ?? null,
    agents: agentIds.map((id) => ({ id, role: roles.get(id) ?? id, status: 'pending' as StepStatus, ...(state?.agents[id] ?? {}) })),
    functions: Object.entries(state?.functions ?? {}).map(([id, f]) => ({ id, ...f })),
    history: state?.history ?? [],
    outputs: state?.data.outputs ?? {},
    usage: state?.usage ?? null,
    ...links,
  };
  if (state?.waitingFor) detail.waitingFor = state.waitingFor;
  if (state?.error) detail.error = state.error;
  return detail;
}

export function summaryOf(d: InstanceDetail): InstanceSummary {
  return {
    id: d.id,
    workflowId: d.workflowId,
    version: d.version,
    status: d.status,
    currentPlace: d.currentPlace,
    agents: d.agents.map((a) => ({ id: a.id, role: a.role, status: a.status })),
    streamUrl: d.streamUrl,
    temporalUiUrl: d.temporalUiUrl,
  };
}
