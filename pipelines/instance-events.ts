/**
 * The event feeds of pipeline instances, transport-free (SSE today, graphql-sse later). A feed is the
 * instance's event log read from a position: the kept events after `afterSeq` (Last-Event-ID), then live ones,
 * in seq order, each seq once — the log numbers every event (the one sequence authority), so there is nothing
 * to merge; a live delivery that went missing (a seq gap, or a close the feed has not seen the end of) is read
 * back from the log. The feed ends after a terminal event: COMPLETION, FAILED or CANCELLED.
 *
 * No feed asks Temporal anything itself: the instance's watch (instance-watch.ts, one per instance per
 * process, shared by all its feeds) checks at start (an unknown id with an empty log → 404) and every
 * `livenessMs` (default 15 s) for a run that closed without a terminal event.
 */
import { type PipelineEvent, type PipelineStatus, statusOfTerminal } from './definition/types';
import type { EventLog } from './event-log';
import { type ClosedNotice, InstanceWatch, type WatchedStatus } from './instance-watch';

/** What the feeds need of the event log (pipelines/event-log.ts). */
export type EventFeedSource = Pick<EventLog, 'read' | 'subscribe' | 'head' | 'append'>;

export type FeedItem = { kind: 'event'; event: PipelineEvent } | { kind: 'end'; status: PipelineStatus };

export interface InstanceFeedsDeps {
  events: EventFeedSource;
  /** Temporal's word on a run (PipelineService.status): throws the 404 of an unknown instance. */
  status(instanceId: string): Promise<WatchedStatus>;
  /** How often an instance with feeds is checked for a close without a terminal event; default 15,000 ms. */
  livenessMs?: number;
  onError?: (message: string) => void;
}

export const DEFAULT_LIVENESS_MS = 15_000;

type FeedInput = { kind: 'event'; event: PipelineEvent } | { kind: 'closed'; notice: ClosedNotice };

export class InstanceFeeds {
  private readonly watches = new Map<string, InstanceWatch>();
  private checks = 0;

  constructor(private readonly deps: InstanceFeedsDeps) {}

  /**
   * Opens a feed. Resolves once the instance is known to exist (an unknown id rejects before any response is
   * written); the iterable yields the backlog, then live events, then exactly one `end` item. `signal` (the
   * client went away) ends it; so does leaving the iteration.
   */
  async open(instanceId: string, afterSeq: number, signal: AbortSignal): Promise<AsyncIterable<FeedItem>> {
    const { events } = this.deps;
    const inbox = new Inbox<FeedInput>();
    const unsubscribe = events.subscribe(instanceId, afterSeq, (event) => inbox.push({ kind: 'event', event }));
    const watch = this.watch(instanceId);
    const onClosed = (notice: ClosedNotice): void => inbox.push({ kind: 'closed', notice });
    watch.add(onClosed);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      signal.removeEventListener('abort', release);
      unsubscribe();
      watch.remove(onClosed);
      if (watch.size === 0 && this.watches.get(instanceId) === watch) {
        watch.stop();
        this.watches.delete(instanceId);
      }
    };
    signal.addEventListener('abort', release, { once: true });
    try {
      // Events in the log prove the instance; without any, Temporal says whether it exists (shared check).
      if ((await events.head(instanceId)) === 0) await watch.first;
    } catch (err) {
      release();
      throw err;
    }

    async function* feed(): AsyncGenerator<FeedItem> {
      let last = afterSeq;
      /** Yields `batch` in seq order from `last` on; the end status when a terminal event was among them. */
      async function* deliver(batch: readonly PipelineEvent[]): AsyncGenerator<FeedItem, PipelineStatus | undefined> {
        for (const e of batch) {
          if (e.seq <= last) continue;
          last = e.seq;
          yield { kind: 'event', event: e };
          const status = statusOfTerminal(e);
          if (status) return status;
        }
        return undefined;
      }
      try {
        for (;;) {
          const item = await inbox.next(signal);
          if (!item) return; // the client went away
          if (item.kind === 'closed') {
            // The run closed. Whatever of it this feed has not seen (a live delivery can be lost, e.g. while Redis
            // pub/sub reconnects) is in the log: read it, then end — never wait for a delivery that may not come.
            if (last < item.notice.terminalSeq) {
              const status = yield* deliver(await events.read(instanceId, last));
              if (status) return yield { kind: 'end', status };
            }
            return yield { kind: 'end', status: item.notice.status };
          }
          const e = item.event;
          if (e.seq <= last) continue;
          // A gap means live deliveries were lost: the log has them (it numbers without gaps).
          const batch = e.seq === last + 1 ? [e] : await events.read(instanceId, last);
          const status = yield* deliver(batch.length > 0 ? batch : [e]);
          if (status) return yield { kind: 'end', status };
        }
      } finally {
        release();
      }
    }
    return feed();
  }

  /** Temporal calls made for feeds so far, and the instances watched now. */
  stats(): { livenessChecks: number; watchedInstances: number } {
    return { livenessChecks: this.checks, watchedInstances: this.watches.size };
  }

  close(): void {
    for (const w of this.watches.values()) w.stop();
    this.watches.clear();
  }

  private watch(instanceId: string): InstanceWatch {
    const known = this.watches.get(instanceId);
    if (known) return known;
    const watch = new InstanceWatch(
      instanceId,
      {
        events: this.deps.events,
        status: (id) => this.deps.status(id),
        onCheck: () => {
          this.checks += 1;
        },
        ...(this.deps.onError ? { onError: this.deps.onError } : {}),
      },
      this.deps.livenessMs ?? DEFAULT_LIVENESS_MS,
    );
    this.watches.set(instanceId, watch);
    // A failed first check (unknown id, Temporal down) is not kept: the next feed asks again.
    watch.first.catch(() => {
      if (this.watches.get(instanceId) === watch && watch.size === 0) {
        watch.stop();
        this.watches.delete(instanceId);
      }
    });
    return watch;
  }
}

/** A tiny async queue: push from callbacks, await the next item (undefined once `signal` aborts). */
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

  next(signal: AbortSignal): Promise<T | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    if (this.items.length > 0) return Promise.resolve(this.items.shift());
    return new Promise((resolve) => {
      const done = (item: T | undefined): void => {
        signal.removeEventListener('abort', onAbort);
        this.waiter = undefined;
        resolve(item);
      };
      const onAbort = (): void => done(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiter = done;
    });
  }
}
