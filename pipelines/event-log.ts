/**
 * The side channel for pipeline progress events: per instance an ordered, bounded log that activities and the
 * workflow's publishEvents activity append to, and that the API's SSE endpoint reads and subscribes to.
 *
 * Sequence numbers: an event may bring its own `seq` (the workflow's coarse events, deterministic); the log
 * keeps it when it is above every seq it has seen for the instance, else (a stray late event) it assigns the
 * next one. Events without `seq` (token deltas from activities) get max-seen + 1. So `seq` is strictly
 * increasing per instance in the log, and `read(id, afterSeq)` / `subscribe` resume from any seq (SSE `id:`).
 *
 * This file is the in-process implementation (the all-in-one start); `redis-event-log.ts` is the one shared
 * by separate API and worker processes. `createEventLog(config)` picks one.
 */
import type { PipelineEvent } from './definition/types';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event as appended: the log fills `instanceId`, `at` (when absent) and `seq` (when absent or stale). */
export type PipelineEventInput = DistributiveOmit<PipelineEvent, 'seq' | 'at' | 'instanceId'> & { seq?: number; at?: string };

export type EventListener = (event: PipelineEvent) => void;

export interface EventLog {
  append(instanceId: string, event: PipelineEventInput): Promise<PipelineEvent>;
  /** The kept events with seq > afterSeq, in order. */
  read(instanceId: string, afterSeq: number): Promise<PipelineEvent[]>;
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
  listeners: Set<EventListener>;
  touched: number;
}

/** Builds the stored event: the seq rule above, `at` defaulted. */
export function stampEvent(instanceId: string, event: PipelineEventInput, maxSeq: number, nowMs: number): PipelineEvent {
  const seq = event.seq !== undefined && event.seq > maxSeq ? event.seq : maxSeq + 1;
  return { ...event, instanceId, seq, at: event.at ?? new Date(nowMs).toISOString() } as PipelineEvent;
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
    const event = stampEvent(instanceId, input, log.maxSeq, now);
    log.maxSeq = event.seq;
    log.touched = now;
    log.events.push(event);
    if (log.events.length > this.maxEvents) log.events.splice(0, log.events.length - this.maxEvents);
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

  subscribe(instanceId: string, afterSeq: number, onEvent: EventListener): () => void {
    const log = this.log(instanceId);
    for (const e of this.after(instanceId, afterSeq)) onEvent(e);
    const listener: EventListener = (e) => {
      if (e.seq > afterSeq) onEvent(e);
    };
    log.listeners.add(listener);
    return () => {
      log.listeners.delete(listener);
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
      log = { events: [], maxSeq: 0, listeners: new Set(), touched: this.now() };
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
