/**
 * The interpreter's bookkeeping, kept in one PipelineState object (what the state query answers): usage totals,
 * step status, history, and the coarse events *as the event log numbered them*. The workflow never numbers an
 * event: it emits keyed drafts (`<runId>:w<n>`), the publishEvents local activity appends them (the log assigns
 * `seq`, and a retried append of the same key is not logged twice), and the logged copies come back here; the
 * events activities appended come back with their results. Deterministic, Node-free.
 */
import type { JsonObject, PipelineDefinition, PipelineEvent, PipelineEventBody, PipelineInput, PipelineState, UnloggedEvent, UsageTotals } from '../pipelines/definition/types';
import type { PublishedEvents } from '../activities/pipeline-activity-types';
import { addUsage, ZERO_USAGE } from '../pipelines/definition/usage-totals';

export class RunState {
  readonly state: PipelineState;
  private emitted = 0;
  /** Drafts not yet taken by the log, oldest first (kept until a publish succeeds). */
  private unlogged: UnloggedEvent[] = [];
  /** Event key → the history entry its WORKFLOW_TRANSITION event numbers once logged. */
  private readonly historyByKey = new Map<string, PipelineState['history'][number]>();

  constructor(
    readonly instanceId: string,
    private readonly runId: string,
    input: PipelineInput,
    private readonly now: () => Date,
  ) {
    const def: PipelineDefinition = input.definition;
    this.state = {
      status: 'running',
      currentPlace: def.initial,
      data: { input: input.initialData, outputs: {} },
      history: [],
      agents: Object.fromEntries(def.agents.map((a) => [a.id, { status: 'pending' as const }])),
      functions: Object.fromEntries(def.functions.map((f) => [f.id, { status: 'pending' as const }])),
      usage: { ...ZERO_USAGE },
      events: [],
    };
  }

  get outputs(): JsonObject {
    return this.state.data.outputs;
  }

  /** A coarse event of the workflow's own: keyed, queued for the log (no seq: the log gives it one). */
  emit(event: PipelineEventBody): UnloggedEvent {
    this.emitted += 1;
    const draft: UnloggedEvent = { ...event, key: `${this.runId}:w${this.emitted}`, at: this.now().toISOString() };
    this.unlogged.push(draft);
    return draft;
  }

  /** What an activity appended (kept, in seq order) and what the log did not take from it (queued). */
  adopt(result: PublishedEvents): void {
    for (const e of result.events) this.keep(e);
    this.unlogged.push(...result.unlogged);
  }

  /** The drafts to publish now (they stay queued until `logged` confirms them). */
  pending(): UnloggedEvent[] {
    return [...this.unlogged];
  }

  /** The log took `batch` (answered as `logged`, same order): keep them, unqueue them, number their history. */
  logged(batch: readonly UnloggedEvent[], logged: readonly PipelineEvent[]): void {
    const keys = new Set(batch.map((d) => d.key));
    this.unlogged = this.unlogged.filter((d) => !keys.has(d.key));
    batch.forEach((draft, i) => {
      const e = logged[i];
      if (!e) return;
      this.keep(e);
      const entry = this.historyByKey.get(draft.key);
      if (entry) {
        entry.seq = e.seq;
        this.historyByKey.delete(draft.key);
      }
    });
  }

  addUsage(usage: UsageTotals): void {
    this.state.usage = addUsage(this.state.usage, usage);
  }

  transition(from: string, to: string, transition: string): void {
    const draft = this.emit({ type: 'WORKFLOW_TRANSITION', from, to, transition });
    const entry = { from, to, transition, at: draft.at };
    this.state.history.push(entry);
    this.historyByKey.set(draft.key, entry);
    this.state.currentPlace = to;
  }

  /**
   * Inserts a logged event in seq order. Each logged event arrives here once (a publish batch is confirmed once,
   * an activity result is taken once), so nothing is dropped: workers that each keep an in-process log (split
   * processes without REDIS_URL) may hand back equal seqs from different logs.
   */
  private keep(e: PipelineEvent): void {
    const events = this.state.events;
    let i = events.length;
    while (i > 0 && (events[i - 1]?.seq ?? 0) > e.seq) i--;
    events.splice(i, 0, e);
  }
}
