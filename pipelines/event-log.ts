/**
 * The side channel for pipeline progress events, and the one authority for their sequence numbers: per instance
 * an ordered, bounded log that activities (token deltas, their coarse events) and the workflow's publishEvents
 * local activity append to, and that the API's feeds read and subscribe to.
 *
 * Sequence numbers: `append` gives every new event max + 1 for its instance — nobody else numbers events — so
 * `seq` is gap-free and strictly increasing per instance, and `read(id, afterSeq)` / `subscribe` resume from any
 * seq (SSE `id:` / Last-Event-ID). An event appended with a `key` that the log already holds is not appended
 * again: the append answers the logged event (a retried publish never duplicates).
 *
 * This file is the in-process implementation (the all-in-one start); `redis-event-log.ts` is the one shared
 * by separate API and worker processes. `createEventLog(config)` picks one.
 */
import type { PipelineEvent, PipelineEventDraft } from './definition/types';

/** An event as appended: the log assigns `seq`, fills `instanceId` and `at` (when absent); `key` dedups. */
export type PipelineEventInput = PipelineEventDraft;

export type EventListener = (event: PipelineEvent) => void;

export interface EventLog {
  /** Appends (seq = max + 1) and answers the logged event; with a known `key`, answers the earlier one. */
  append(instanceId: string, event: PipelineEventInput): Promise<PipelineEvent>;
  /** The kept events with seq > afterSeq, in order. */
  read(instanceId: string, afterSeq: number): Promise<PipelineEvent[]>;
  /** The highest seq logged for the instance (0: none, or expired). */
  head(instanceId: string): Promise<number>;
  /**
   * Delivers every kept event with seq > afterSeq, then each new one live, in order and without duplicates.
   * Returns the unsubscribe function.
   */
  subscribe(instanceId: string, afterSeq: number, onEvent: EventListener): () => void;
  close(): Promise<void>;
}

export interface EventLogLimits {
  /** Events kept per instance (oldest dropped first). Default 10,000. */
  maxEventsPerInstance?: number;
  /** An instance's log is dropped this long after its last event. Default one day. */
  ttlMs?: number;
  now?: () => number;
}

export const DEFAULT_MAX_EVENTS = 10_000;
export const DEFAULT_TTL_MS = 24 * 60 * 60 * 1000;

interface InstanceLog {
  events: PipelineEvent[];
  maxSeq: number;
  /** Idempotency key → the event logged with it (dropped with the event when the log is trimmed). */
  keys: Map<string, PipelineEvent>;
  keyOf: WeakMap<PipelineEvent, string>;
  listeners: Set<EventListener>;
  touched: number;
}

/** Builds the stored event: `seq` from the log, `at` defaulted, the key left out (it is not part of the event). */
export function stampEvent(instanceId: string, input: PipelineEventInput, seq: number, nowMs: number): PipelineEvent {
  const { key: _key, ...body } = input;
  return { ...body, instanceId, seq, at: input.at ?? new Date(nowMs).toISOString() } as PipelineEvent;
}

export class InProcessEventLog implements EventLog {
  private readonly logs = new Map<string, InstanceLog>();
  private readonly maxEvents: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private lastSweep = 0;

  constructor(limits: EventLogLimits = {}) {
    this.maxEvents = limits.maxEventsPerInstance ?? DEFAULT_MAX_EVENTS;
    this.ttlMs = limits.ttlMs ?? DEFAULT_TTL_MS;
    this.now = limits.now ?? Date.now;
  }

  append(instanceId: string, input: PipelineEventInput): Promise<PipelineEvent> {
    const now = this.now();
    this.sweep(now);
    const log = this.log(instanceId);
    const known = input.key === undefined ? undefined : log.keys.get(input.key);
    if (known) return Promise.resolve(known);
    const event = stampEvent(instanceId, input, log.maxSeq + 1, now);
    log.maxSeq = event.seq;
    log.touched = now;
    log.events.push(event);
    if (input.key !== undefined) {
      log.keys.set(input.key, event);
      log.keyOf.set(event, input.key);
    }
    if (log.events.length > this.maxEvents) {
      for (const dropped of log.events.splice(0, log.events.length - this.maxEvents)) {
        const key = log.keyOf.get(dropped);
        if (key !== undefined) log.keys.delete(key);
      }
    }
    for (const l of [...log.listeners]) {
      try {
        l(event);
      } catch {
        // a subscriber's failure is its own business
      }
    }
    return Promise.resolve(event);
  }

  read(instanceId: string, afterSeq: number): Promise<PipelineEvent[]> {
    return Promise.resolve(this.after(instanceId, afterSeq));
  }

  head(instanceId: string): Promise<number> {
    return Promise.resolve(this.logs.get(instanceId)?.maxSeq ?? 0);
  }

  subscribe(instanceId: string, afterSeq: number, onEvent: EventListener): () => void {
    const log = this.log(instanceId);
    for (const e of this.after(instanceId, afterSeq)) onEvent(e);
    const listener: EventListener = (e) => {
      if (e.seq > afterSeq) onEvent(e);
    };
    log.listeners.add(listener);
    return () => {
      log.listeners.delete(listener);
      // A subscription to an id that never got an event (a typo, a probe) leaves nothing behind.
      if (log.listeners.size === 0 && log.events.length === 0 && this.logs.get(instanceId) === log) this.logs.delete(instanceId);
    };
  }

  close(): Promise<void> {
    for (const log of this.logs.values()) log.listeners.clear();
    return Promise.resolve();
  }

  private after(instanceId: string, afterSeq: number): PipelineEvent[] {
    return (this.logs.get(instanceId)?.events ?? []).filter((e) => e.seq > afterSeq);
  }

  private log(instanceId: string): InstanceLog {
    let log = this.logs.get(instanceId);
    if (!log) {
      log = { events: [], maxSeq: 0, keys: new Map(), keyOf: new WeakMap(), listeners: new Set(), touched: this.now() };
      this.logs.set(instanceId, log);
    }
    return log;
  }

  /** Drops logs untouched for ttlMs that nobody listens to (at most once a minute). */
  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [id, log] of this.logs) {
      if (log.listeners.size === 0 && now - log.touched > this.ttlMs) this.logs.delete(id);
    }
  }
}
