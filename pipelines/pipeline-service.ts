/**
 * The pipeline service: start, inspect, list, answer (`signal`) and cancel pipeline instances, and the
 * definition catalogue. Transport-free (no Express): the REST routes call it, and so can GraphQL. Errors are
 * GatewayErrors (404 unknown definition/instance, 400 invalid initial data or signal payload naming the field,
 * 409 answering a run that is not waiting or cancelling a finished run); TemporalUnavailableError (→ 503)
 * comes from `temporal.getClient()`. It talks to the workflow only through the typed messages of
 * pipelines/definition/pipeline-messages.ts (no workflow code is loaded here).
 */
import { randomBytes } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { detailView, memoFor, readMemo, statusClause, statusFromTemporal, summaryOf, type DescribeFacts, type InstanceDetail, type InstanceLinks, type InstanceSummary } from './instance-view';
import { inputRefusalError, isDeadlineExceeded, isNotFound, isUnknownUpdate, PipelineErrors } from './pipeline-errors';
import { pipelineSearchAttributes, visibilityLiteral } from './definition/search-attributes';
import { checkSignalPayload, PIPELINE_WORKFLOW, pipelineInputUpdate, pipelineSignal, pipelineStateQuery, type PipelineInputAccepted, type PipelineWorkflow } from './definition/pipeline-messages';
import { SEARCH_ATTRIBUTES, type JsonObject, type PipelineDefinition, type PipelineInput, type PipelineState, type PipelineStatus, type UsageTotals } from './definition/types';

/** What the service needs of the definition store (pipelines/definition-store.ts). */
export interface DefinitionCatalog {
  list(): Promise<unknown[]>;
  get(id: string, version?: number): Promise<PipelineDefinition | undefined>;
  /** Validates, compiles and stores a new version; throws a 400 GatewayError (or ZodError) when invalid. */
  save(source: unknown): Promise<PipelineDefinition>;
}

/** Checks initial data against the definition's schema: the data (defaults applied) or the first bad field. */
export type InitialDataCheck = (def: PipelineDefinition, data: unknown) => { ok: true; data: JsonObject } | { ok: false; field: string | null; message: string };

export interface PipelineServiceDeps {
  temporal: { getClient(): Client | Promise<Client> };
  definitions: DefinitionCatalog;
  checkInitialData: InitialDataCheck;
  /** Billed usage of an instance (the usage ledger), when there is one. */
  billedUsage?: (instanceId: string) => Promise<UsageTotals | undefined>;
  taskQueue: string;
  namespace: string;
  uiUrl: string;
  /** How long a state query may take before describe() answers instead; default 5000 ms. */
  queryTimeoutMs?: number;
  /** How long an input update may wait for a worker to answer; default 10,000 ms. */
  updateTimeoutMs?: number;
}

/** What answering a wait returns: the instance and what its run took. */
/**
 * Who asks, for what callers own: a run belongs to the caller that started it; another caller gets the 404 of an
 * unknown run; an operator (admin) sees every run. Internal callers (tests, the service itself) act as operator.
 */
export interface Viewer {
  caller: string;
  admin: boolean;
}

export const OPERATOR: Viewer = { caller: 'operator', admin: true };

export interface SignalAccepted extends Omit<PipelineInputAccepted, 'accepted'> {
  id: string;
  /** true: the run took it (the update's validator passed); 'queued': sent as a signal to a run of an earlier build. */
  accepted: true | 'queued';
}

/** Where Temporal says a run is: our status, whether it closed, and Temporal's own status name. */
export interface InstanceStatus {
  status: PipelineStatus;
  closed: boolean;
  temporalStatus: string;
}

export interface ListFilter {
  status?: string;
  /** The definition id (REST: `?workflowId=`). */
  definitionId?: string;
  caller?: string;
  limit?: number;
}

/** `baseUrl` makes streamUrl absolute (the API's public origin); without it streamUrl is a path. */
export interface LinkOptions {
  baseUrl?: string;
}

export class PipelineService {
  constructor(private readonly deps: PipelineServiceDeps) {}

  links(id: string, opts: LinkOptions = {}): InstanceLinks {
    const d = this.deps;
    return {
      streamUrl: `${opts.baseUrl ?? ''}/v1/workflow-instances/${encodeURIComponent(id)}/stream`,
      temporalUiUrl: `${d.uiUrl}/namespaces/${encodeURIComponent(d.namespace)}/workflows/${encodeURIComponent(id)}`,
    };
  }

  // ---- definitions ------------------------------------------------------------------------------------

  listDefinitions(): Promise<unknown[]> {
    return this.deps.definitions.list();
  }

  async getDefinition(id: string, version?: number): Promise<PipelineDefinition> {
    const def = await this.deps.definitions.get(id, version);
    if (!def) throw PipelineErrors.unknownDefinition(id, version);
    return def;
  }

  saveDefinition(source: unknown): Promise<PipelineDefinition> {
    return this.deps.definitions.save(source);
  }

  // ---- instances ----------------------------------------------------------------------------------------

  async startInstance(definitionId: string, initialData: unknown, caller: string, opts: { version?: number } & LinkOptions = {}): Promise<InstanceSummary> {
    const definition = await this.getDefinition(definitionId, opts.version);
    const checked = this.deps.checkInitialData(definition, initialData ?? {});
    if (!checked.ok) throw PipelineErrors.invalidInitialData(checked.message, checked.field);
    const instanceId = `pl-${definition.id}-${randomBytes(6).toString('hex')}`;
    const input: PipelineInput = { definition, initialData: checked.data, caller };
    const client = await this.deps.temporal.getClient();
    // Typed by the workflow's signature, started by name: the API process never loads workflow code.
    await client.workflow.start<PipelineWorkflow>(PIPELINE_WORKFLOW, {
      taskQueue: this.deps.taskQueue,
      workflowId: instanceId,
      args: [input],
      memo: { ...memoFor(definition, caller) },
      typedSearchAttributes: pipelineSearchAttributes(definition.id, caller, instanceId),
    });
    return {
      id: instanceId,
      workflowId: definition.id,
      version: definition.version,
      status: 'running',
      currentPlace: definition.initial,
      agents: definition.agents.map((a) => ({ id: a.id, role: a.role, status: 'pending' as const })),
      ...this.links(instanceId, opts),
    };
  }

  /** The instance from its state query; describe() alone (with a message saying why) when no worker answers. */
  async getInstance(id: string, opts: LinkOptions = {}, viewer: Viewer = OPERATOR): Promise<InstanceDetail> {
    const client = await this.deps.temporal.getClient();
    const { handle, facts } = await this.describe(client, id, viewer);
    let state: PipelineState | undefined;
    let message: string | undefined;
    try {
      state = await this.queryState(client, handle);
    } catch (err) {
      message =
        `The state query was not answered (${err instanceof Error ? err.message : String(err)}); is a worker polling task queue ` +
        `'${this.deps.taskQueue}'? Status and links below come from Temporal's own record of the run.`;
    }
    const detail = detailView(facts, this.links(id, opts), state);
    if (message) detail.message = message;
    const billed = await this.deps.billedUsage?.(id).catch(() => undefined);
    if (billed) detail.billed = billed;
    return detail;
  }

  /** Pipeline status per Temporal (no worker needed). */
  async status(id: string, viewer: Viewer = OPERATOR): Promise<InstanceStatus> {
    const client = await this.deps.temporal.getClient();
    const { facts } = await this.describe(client, id, viewer);
    const status = statusFromTemporal(facts.status);
    return { status, closed: status !== 'running', temporalStatus: facts.status };
  }

  async listInstances(filter: ListFilter = {}, opts: LinkOptions = {}, viewer: Viewer = OPERATOR): Promise<InstanceSummary[]> {
    const clauses = [`WorkflowType = ${visibilityLiteral(PIPELINE_WORKFLOW)}`];
    if (filter.definitionId) clauses.push(`${SEARCH_ATTRIBUTES.definition} = ${visibilityLiteral(filter.definitionId)}`);
    // A caller lists its own runs only (an operator may filter by any caller).
    const caller = viewer.admin ? filter.caller : viewer.caller;
    if (caller) clauses.push(`${SEARCH_ATTRIBUTES.caller} = ${visibilityLiteral(caller)}`);
    if (filter.status) {
      const c = statusClause(filter.status);
      if (!c) throw PipelineErrors.invalid(`Invalid 'status': expected one of running, waiting, completed, failed, cancelled`, 'status');
      clauses.push(c);
    }
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), 1000);
    const client = await this.deps.temporal.getClient();
    const out: InstanceSummary[] = [];
    for await (const info of client.workflow.list({ query: clauses.join(' AND '), pageSize: Math.min(limit, 100) })) {
      const memo = readMemo(info.memo);
      const facts: DescribeFacts = { id: info.workflowId, status: info.status.name, memo, ...(info.startTime ? { startTime: info.startTime } : {}), ...(info.closeTime ? { closeTime: info.closeTime } : {}) };
      const summary = summaryOf(detailView(facts, this.links(info.workflowId, opts), undefined));
      out.push({ ...summary, currentPlace: null });
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * Answers the `wait_signal` step the run waits at, through the `pipelineInput` update: 200 with what the run
   * took, 400 for a bad payload, 409 when the run is not waiting for it (or finished), 404 for an unknown id.
   */
  async signal(id: string, payload: unknown, viewer: Viewer = OPERATOR): Promise<SignalAccepted> {
    const checked = checkSignalPayload(payload ?? {});
    if (!checked.ok) throw PipelineErrors.invalid(checked.message, checked.param);
    const client = await this.deps.temporal.getClient();
    const { handle, facts } = await this.describe(client, id, viewer);
    const status = statusFromTemporal(facts.status);
    if (status !== 'running') throw PipelineErrors.finished(id, status, 'signal');
    const deadline = Date.now() + (this.deps.updateTimeoutMs ?? 10_000);
    try {
      const accepted = await client.withDeadline(deadline, () => handle.executeUpdate(pipelineInputUpdate, { args: [checked.payload] }));
      return { id, ...accepted };
    } catch (err) {
      const refused = inputRefusalError(err, id);
      if (refused) throw refused;
      if (isUnknownUpdate(err)) {
        // A run started by a worker build before the update existed: it takes its input as the older signal.
        await handle.signal(pipelineSignal, checked.payload);
        return { id, accepted: 'queued', waitingFor: checked.payload.signal ?? '', signal: checked.payload };
      }
      if (isNotFound(err)) throw PipelineErrors.finished(id, 'finished', 'signal');
      if (isDeadlineExceeded(err)) throw PipelineErrors.noWorker(id, this.deps.taskQueue);
      throw err;
    }
  }

  async cancel(id: string, viewer: Viewer = OPERATOR): Promise<{ id: string; status: string; cancelRequested: true }> {
    const client = await this.deps.temporal.getClient();
    const { handle, facts } = await this.describe(client, id, viewer);
    const status = statusFromTemporal(facts.status);
    if (status !== 'running') throw PipelineErrors.finished(id, status, 'cancel');
    // The run may have published its end and be closing: its own word (when a worker answers) decides.
    const state = await this.queryState(client, handle, 1_000).catch(() => undefined);
    if (state && state.status !== 'running' && state.status !== 'waiting') throw PipelineErrors.finished(id, state.status, 'cancel');
    try {
      await handle.cancel();
    } catch (err) {
      if (isNotFound(err)) throw PipelineErrors.finished(id, 'finished', 'cancel');
      throw err;
    }
    return { id, status: 'cancelling', cancelRequested: true };
  }

  // ---- helpers --------------------------------------------------------------------------------------------

  private async describe(client: Client, id: string, viewer: Viewer): Promise<{ handle: WorkflowHandle; facts: DescribeFacts }> {
    const handle = client.workflow.getHandle(id);
    try {
      const d = await handle.describe();
      if (d.type !== PIPELINE_WORKFLOW) throw PipelineErrors.unknownInstance(id);
      const facts: DescribeFacts = { id, status: d.status.name, memo: readMemo(d.memo), startTime: d.startTime, ...(d.closeTime ? { closeTime: d.closeTime } : {}) };
      // Another caller's run is answered as unknown: its existence is not another caller's to learn.
      if (!viewer.admin && facts.memo.caller !== viewer.caller) throw PipelineErrors.unknownInstance(id);
      return { handle, facts };
    } catch (err) {
      if (isNotFound(err)) throw PipelineErrors.unknownInstance(id);
      throw err;
    }
  }

  private queryState(client: Client, handle: WorkflowHandle, timeoutMs = this.deps.queryTimeoutMs ?? 5_000): Promise<PipelineState> {
    return client.withDeadline(Date.now() + timeoutMs, () => handle.query(pipelineStateQuery));
  }
}
