/**
 * The interpreter's bookkeeping, kept in one PipelineState object (what the state query answers): coarse events
 * with deterministic seq (above every seq an activity reported from the log), usage totals, step status.
 * Deterministic, Node-free.
 */
import type { JsonObject, PipelineDefinition, PipelineEvent, PipelineInput, PipelineState, UsageTotals } from '../pipelines/definition/types';
import type { PublishedEvents } from '../activities/pipeline-activity-types';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type NewEvent = DistributiveOmit<PipelineEvent, 'seq' | 'at' | 'instanceId'>;

export const ZERO_USAGE: UsageTotals = { promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 };

export function addUsage(a: UsageTotals, b: UsageTotals): UsageTotals {
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    totalTokens: a.totalTokens + b.totalTokens,
    costUsd: Math.round((a.costUsd + b.costUsd) * 1e9) / 1e9,
  };
}

export class RunState {
  readonly state: PipelineState;
  private seq = 0;
  private unpublished: PipelineEvent[] = [];

  constructor(
    readonly instanceId: string,
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

  /** A coarse event of the workflow's own: numbered, kept, queued for publishing. */
  emit(event: NewEvent): PipelineEvent {
    this.seq += 1;
    const e = { ...event, seq: this.seq, at: this.now().toISOString(), instanceId: this.instanceId } as PipelineEvent;
    this.state.events.push(e);
    this.unpublished.push(e);
    return e;
  }

  /** Events an activity already published (seq from the log): kept in seq order; our next seq goes above. */
  adopt(result: PublishedEvents): void {
    for (const e of result.events) {
      this.seq = Math.max(this.seq, e.seq);
      const events = this.state.events;
      let i = events.length;
      while (i > 0 && (events[i - 1]?.seq ?? 0) > e.seq) i--;
      events.splice(i, 0, e);
    }
    this.seq = Math.max(this.seq, result.lastSeq);
  }

  /** The events not yet published (and forgets them). */
  takeUnpublished(): PipelineEvent[] {
    const batch = this.unpublished;
    this.unpublished = [];
    return batch;
  }

  addUsage(usage: UsageTotals): void {
    this.state.usage = addUsage(this.state.usage, usage);
  }

  transition(from: string, to: string, transition: string): void {
    const e = this.emit({ type: 'WORKFLOW_TRANSITION', from, to, transition });
    this.state.history.push({ seq: e.seq, from, to, transition, at: e.at });
    this.state.currentPlace = to;
  }
}
