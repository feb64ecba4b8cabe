/**
 * The event feed of one pipeline instance, transport-free (SSE today, graphql-sse later): replays what a
 * client missed — the workflow's coarse events (state query) merged with the event log (token deltas and
 * whatever activities published) — then follows the log live until COMPLETION / FAILED, or until Temporal
 * says the run closed without one (cancelled, terminated, timed out). Each seq is delivered once.
 */
import type { PipelineEvent, PipelineStatus } from './definition/types';
import type { PipelineService } from './pipeline-service';

/** What the feed needs of the event log (pipelines/event-log.ts). */
export interface EventFeedSource {
  read(instanceId: string, afterSeq: number): Promise<PipelineEvent[]>;
  subscribe(instanceId: string, afterSeq: number, onEvent: (event: PipelineEvent) => void): () => void;
}

export type FeedItem = { kind: 'event'; event: PipelineEvent } | { kind: 'end'; status: PipelineStatus };

export interface FeedOptions {
  service: Pick<PipelineService, 'tryState' | 'status'>;
  events: EventFeedSource;
  instanceId: string;
  /** Replay events with seq > afterSeq (Last-Event-ID); -1 = everything (a late joiner gets the state so far). */
  afterSeq: number;
  /** Aborts the feed (client went away). */
  signal: AbortSignal;
  /** How often to ask Temporal whether the run closed without a terminal event; default 1000 ms. */
  statusPollMs?: number;
}

const TERMINAL = new Set<PipelineEvent['type']>(['COMPLETION', 'FAILED']);

/**
 * Opens the feed. Resolves once the instance is known to exist (an unknown id rejects before any response
 * is written); the iterable yields the replay, then live events, then exactly one `end` item.
 */
export async function openInstanceFeed(opts: FeedOptions): Promise<AsyncIterable<FeedItem>> {
  const { service, events, instanceId, afterSeq, signal } = opts;
  const inbox = new Inbox<PipelineEvent>();
  // Subscribe before reading, so nothing published in between is lost (duplicates are dropped by seq).
  const unsubscribe = events.subscribe(instanceId, afterSeq, (e) => inbox.push(e));
  let snapshot: Awaited<ReturnType<typeof service.tryState>>;
  let logged: PipelineEvent[];
  try {
    [snapshot, logged] = await Promise.all([service.tryState(instanceId), events.read(instanceId, afterSeq)]);
  } catch (err) {
    unsubscribe();
    throw err;
  }
  const replay = mergeBySeq([...(snapshot.state?.events ?? []), ...logged]).filter((e) => e.seq > afterSeq);
  const pollMs = opts.statusPollMs ?? 1_000;

  async function* run(): AsyncGenerator<FeedItem> {
    const sent = new Set<number>();
    try {
      for (const e of replay) {
        sent.add(e.seq);
        yield { kind: 'event', event: e };
        if (TERMINAL.has(e.type)) return yield await endOf(e);
      }
      if (snapshot.closed) {
        // Closed without a terminal event in the record (cancelled / terminated): say how it ended.
        return yield { kind: 'end', status: (await service.status(instanceId)).status as PipelineStatus };
      }
      let closedAt: number | undefined;
      while (!signal.aborted) {
        const e = await inbox.next(pollMs, signal);
        if (e) {
          if (sent.has(e.seq) || e.seq <= afterSeq) continue;
          sent.add(e.seq);
          yield { kind: 'event', event: e };
          if (TERMINAL.has(e.type)) return yield await endOf(e);
          continue;
        }
        if (signal.aborted) return;
        const s = await service.status(instanceId).catch(() => undefined);
        if (s?.closed) {
          closedAt ??= Date.now();
          // Give the terminal event a moment to arrive through the log before ending on Temporal's word.
          if (Date.now() - closedAt >= pollMs) return yield { kind: 'end', status: s.status as PipelineStatus };
        }
      }
    } finally {
      unsubscribe();
    }
  }

  /**
   * After COMPLETION / FAILED the feed ends once Temporal has closed the run (so a client that saw `end` gets
   * 409 for a late signal), with Temporal's status (a cancelled run's FAILED event ends as `cancelled`).
   */
  async function endOf(e: PipelineEvent): Promise<FeedItem> {
    const deadline = Date.now() + 3_000;
    while (!signal.aborted) {
      const s = await service.status(instanceId).catch(() => undefined);
      if (s?.closed) return { kind: 'end', status: s.status as PipelineStatus };
      if (!s || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return { kind: 'end', status: e.type === 'COMPLETION' ? 'completed' : 'failed' };
  }
  return run();
}

/** Sorted by seq, one event per seq (the first seen wins: the workflow's record before the log's copy). */
export function mergeBySeq(events: PipelineEvent[]): PipelineEvent[] {
  const bySeq = new Map<number, PipelineEvent>();
  for (const e of events) if (!bySeq.has(e.seq)) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** A tiny async queue: push from callbacks, await the next item with a timeout. */
class Inbox<T> {
  private readonly items: T[] = [];
  private waiter: ((item: T | undefined) => void) | undefined;

  push(item: T): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(item);
    } else this.items.push(item);
  }

  next(timeoutMs: number, signal: AbortSignal): Promise<T | undefined> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift());
    return new Promise((resolve) => {
      const done = (item: T | undefined): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiter = undefined;
        resolve(item);
      };
      const onAbort = (): void => done(undefined);
      const timer = setTimeout(() => done(undefined), timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiter = done;
    });
  }
}
