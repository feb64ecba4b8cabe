/**
 * The liveness watch of one pipeline instance, shared by every feed of that instance in this process: the only
 * place a feed's Temporal calls come from. It asks Temporal once when it starts (which also tells an unknown
 * id) and then every `livenessMs`, until the run has closed. A closed run normally has its terminal event in
 * the log already (the workflow publishes COMPLETION / FAILED / CANCELLED before it returns); one that closed
 * without — terminated or timed out from outside, so no workflow code ran — gets the CANCELLED marker appended
 * (keyed `closed:<id>`: watches in several API processes log it once). The feeds end on the event itself;
 * the watch's notice only ends those that already are past it, or all of them when the log cannot take it.
 */
import { type PipelineEvent, type PipelineStatus, statusOfTerminal } from './definition/types';
import type { EventLog } from './event-log';

/** Where Temporal says a run is (see PipelineService.status). */
export interface WatchedStatus {
  status: PipelineStatus;
  closed: boolean;
  temporalStatus: string;
}

export interface InstanceWatchDeps {
  events: Pick<EventLog, 'read' | 'append'>;
  status(instanceId: string): Promise<WatchedStatus>;
  /** Counts every Temporal call (the feeds' only ones). */
  onCheck?: () => void;
  onError?: (message: string) => void;
}

/** The run has closed: with this status, and its terminal event at `terminalSeq` (0: none in the log). */
export interface ClosedNotice {
  status: PipelineStatus;
  terminalSeq: number;
}

/** Temporal's status name → the reason of the CANCELLED marker (undefined: the run ended on its own). */
export function markerReason(temporalStatus: string): 'cancelled' | 'terminated' | 'timed_out' | undefined {
  switch (temporalStatus) {
    case 'CANCELLED':
    case 'CANCELED':
      return 'cancelled';
    case 'TERMINATED':
      return 'terminated';
    case 'TIMED_OUT':
      return 'timed_out';
    default:
      return undefined;
  }
}

export class InstanceWatch {
  /** Settles with the first check: rejects for an unknown instance (404) or when Temporal cannot be reached. */
  readonly first: Promise<void>;
  private readonly listeners = new Set<(notice: ClosedNotice) => void>();
  private readonly timer: NodeJS.Timeout;
  private checking: Promise<void> | undefined;
  private closed: ClosedNotice | undefined;

  constructor(
    readonly instanceId: string,
    private readonly deps: InstanceWatchDeps,
    livenessMs: number,
  ) {
    this.first = this.check();
    this.first.catch(() => undefined);
    this.timer = setInterval(() => {
      this.check().catch((err: unknown) => this.deps.onError?.(`liveness check of ${instanceId}: ${err instanceof Error ? err.message : String(err)}`));
    }, livenessMs);
    this.timer.unref();
  }

  get size(): number {
    return this.listeners.size;
  }

  /** Listens for the close; a listener added after it hears it at once. */
  add(listener: (notice: ClosedNotice) => void): void {
    this.listeners.add(listener);
    if (this.closed) listener(this.closed);
  }

  remove(listener: (notice: ClosedNotice) => void): void {
    this.listeners.delete(listener);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One Temporal call at a time, none after the close. */
  check(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.checking ??= this.runCheck().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async runCheck(): Promise<void> {
    this.deps.onCheck?.();
    const s = await this.deps.status(this.instanceId);
    if (!s.closed) return;
    this.stop();
    const notice = await this.settle(s);
    this.closed = notice;
    for (const l of [...this.listeners]) l(notice);
  }

  /** The closed run's terminal event: from the log, else the marker appended now, else none (Temporal's status). */
  private async settle(s: WatchedStatus): Promise<ClosedNotice> {
    const logged = await this.deps.events.read(this.instanceId, 0).catch(() => undefined);
    const terminal = logged?.find((e) => statusOfTerminal(e) !== undefined);
    if (terminal) return { status: statusOfTerminal(terminal) ?? s.status, terminalSeq: terminal.seq };
    const reason = markerReason(s.temporalStatus);
    if (reason) {
      try {
        const marker: PipelineEvent = await this.deps.events.append(this.instanceId, { type: 'CANCELLED', reason, status: s.status === 'cancelled' ? 'cancelled' : 'failed', key: `closed:${this.instanceId}` });
        return { status: statusOfTerminal(marker) ?? s.status, terminalSeq: marker.seq };
      } catch (err) {
        this.deps.onError?.(`could not log the end of ${this.instanceId}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return { status: s.status, terminalSeq: 0 };
  }
}
