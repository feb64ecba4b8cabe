/**
 * The event log in Redis, for API and worker processes that run apart (REDIS_URL). Per instance:
 *  - a Stream `cb:pl:{id}:events` (entry id `<seq>-0`, field `d` = the event JSON without seq), capped with
 *    `MAXLEN ~`, expiring a day after the last append — the replay source for `read` and late subscribers;
 *  - a counter `cb:pl:{id}:seq` — the highest seq (INCR in the append script: the one sequence authority);
 *  - a hash `cb:pl:{id}:keys` — idempotency key → seq of the event logged with it (a keyed append that is
 *    already there is answered from the stream, not appended again);
 *  - a pub/sub channel `cb:pl:{id}:live` carrying `<seq>|<json>` for live delivery.
 * One shared subscriber connection per process fans live messages out to local listeners; a subscriber first
 * subscribes, then reads the backlog, then flushes what arrived meanwhile, so nothing is lost or doubled.
 */
import { Redis } from 'ioredis';
import type { PipelineEvent } from './definition/types';
import { DEFAULT_MAX_EVENTS, DEFAULT_TTL_MS, type EventListener, type EventLog, type EventLogLimits, type PipelineEventInput } from './event-log';

/**
 * KEYS: stream, seq counter, key hash. ARGV: key ('' = none), event JSON, maxlen, ttl seconds, channel.
 * Answers {seq, 1} when appended, {seq, 0} when the key was already logged.
 */
const APPEND_SCRIPT = `
if ARGV[1] ~= '' then
  local known = redis.call('HGET', KEYS[3], ARGV[1])
  if known then return {tonumber(known), 0} end
end
local seq = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], seq .. '-0', 'd', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
if ARGV[1] ~= '' then
  redis.call('HSET', KEYS[3], ARGV[1], seq)
  redis.call('EXPIRE', KEYS[3], ARGV[4])
end
redis.call('PUBLISH', ARGV[5], seq .. '|' .. ARGV[2])
return {seq, 1}
`;

interface Subscription {
  afterSeq: number;
  onEvent: EventListener;
  /** Live messages that came in while the backlog was being read. */
  buffer: PipelineEvent[] | undefined;
  closed: boolean;
}

export interface RedisEventLogOptions extends EventLogLimits {
  /** Key prefix; default `cb:pl`. */
  prefix?: string;
  onError?: (err: Error) => void;
}

export class RedisEventLog implements EventLog {
  private readonly client: Redis;
  private subscriber: Redis | undefined;
  private readonly subs = new Map<string, Set<Subscription>>();
  private readonly prefix: string;
  private readonly maxEvents: number;
  private readonly ttlSec: number;
  private readonly now: () => number;
  private readonly onError: (err: Error) => void;

  constructor(url: string, opts: RedisEventLogOptions = {}) {
    this.prefix = opts.prefix ?? 'cb:pl';
    this.maxEvents = opts.maxEventsPerInstance ?? DEFAULT_MAX_EVENTS;
    this.ttlSec = Math.max(1, Math.round((opts.ttlMs ?? DEFAULT_TTL_MS) / 1000));
    this.now = opts.now ?? Date.now;
    this.onError = opts.onError ?? (() => undefined);
    // Fail fast while Redis is away: events are progress reports, a step must not wait long for them.
    this.client = new Redis(url, { maxRetriesPerRequest: 2, commandTimeout: 2_000, retryStrategy: (n) => Math.min(n * 200, 2_000) });
    this.client.on('error', (err: Error) => this.onError(err));
  }

  private keys(instanceId: string): { stream: string; seq: string; idem: string; channel: string } {
    const base = `${this.prefix}:{${instanceId}}`;
    return { stream: `${base}:events`, seq: `${base}:seq`, idem: `${base}:keys`, channel: `${base}:live` };
  }

  async append(instanceId: string, input: PipelineEventInput): Promise<PipelineEvent> {
    const { key, ...rest } = input;
    const body = { ...rest, instanceId, at: input.at ?? new Date(this.now()).toISOString() };
    const k = this.keys(instanceId);
    const answer: unknown = await this.client.eval(APPEND_SCRIPT, 3, k.stream, k.seq, k.idem, key ?? '', JSON.stringify(body), String(this.maxEvents), String(this.ttlSec), k.channel);
    const [seqAnswer, appended]: unknown[] = Array.isArray(answer) ? answer : [];
    const seq = Number(seqAnswer);
    if (!Number.isSafeInteger(seq) || seq < 1) throw new Error(`event log: unexpected answer from the append script: ${JSON.stringify(answer)}`);
    if (Number(appended) === 0) {
      // Logged before under this key: answer that event (or, trimmed away, this body under its seq).
      const earlier = await this.entries(instanceId, `${seq}-0`, `${seq}-0`);
      if (earlier[0]) return earlier[0];
    }
    return { ...body, seq } as PipelineEvent;
  }

  async head(instanceId: string): Promise<number> {
    return Number((await this.client.get(this.keys(instanceId).seq)) ?? '0');
  }

  read(instanceId: string, afterSeq: number): Promise<PipelineEvent[]> {
    return this.entries(instanceId, `(${Math.max(0, Math.floor(afterSeq))}-0`, '+');
  }

  private async entries(instanceId: string, from: string, to: string): Promise<PipelineEvent[]> {
    const entries = await this.client.xrange(this.keys(instanceId).stream, from, to);
    const out: PipelineEvent[] = [];
    for (const [id, fields] of entries) {
      const d = fields[fields.indexOf('d') + 1];
      const event = d === undefined ? undefined : decode(Number(id.split('-')[0]), d);
      if (event) out.push(event);
    }
    return out;
  }

  subscribe(instanceId: string, afterSeq: number, onEvent: EventListener): () => void {
    const sub: Subscription = { afterSeq, onEvent, buffer: [], closed: false };
    const channel = this.keys(instanceId).channel;
    let set = this.subs.get(channel);
    const first = !set;
    if (!set) {
      set = new Set();
      this.subs.set(channel, set);
    }
    set.add(sub);
    const subscriber = this.ensureSubscriber();
    const subscribed = first ? subscriber.subscribe(channel).then(() => undefined) : Promise.resolve();
    subscribed
      .then(() => this.read(instanceId, afterSeq))
      .then((backlog) => {
        if (sub.closed) return;
        const pending = sub.buffer ?? [];
        sub.buffer = undefined;
        for (const e of [...backlog, ...pending]) deliver(sub, e);
      })
      .catch((err: unknown) => {
        this.onError(err instanceof Error ? err : new Error(String(err)));
        const pending = sub.buffer ?? [];
        sub.buffer = undefined;
        for (const e of pending) deliver(sub, e);
      });
    return () => {
      sub.closed = true;
      const s = this.subs.get(channel);
      s?.delete(sub);
      if (s && s.size === 0) {
        this.subs.delete(channel);
        this.subscriber?.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  private ensureSubscriber(): Redis {
    if (this.subscriber) return this.subscriber;
    const s = this.client.duplicate();
    s.on('error', (err: Error) => this.onError(err));
    s.on('message', (channel: string, message: string) => {
      const bar = message.indexOf('|');
      const event = bar > 0 ? decode(Number(message.slice(0, bar)), message.slice(bar + 1)) : undefined;
      if (!event) return;
      for (const sub of this.subs.get(channel) ?? []) {
        if (sub.buffer) sub.buffer.push(event);
        else deliver(sub, event);
      }
    });
    this.subscriber = s;
    return s;
  }

  async close(): Promise<void> {
    for (const set of this.subs.values()) for (const s of set) s.closed = true;
    this.subs.clear();
    await Promise.allSettled([this.client.quit(), this.subscriber?.quit()]);
  }
}

function deliver(sub: Subscription, event: PipelineEvent): void {
  if (sub.closed || event.seq <= sub.afterSeq) return;
  sub.afterSeq = event.seq;
  try {
    sub.onEvent(event);
  } catch {
    // a subscriber's failure is its own business
  }
}

function decode(seq: number, json: string): PipelineEvent | undefined {
  if (!Number.isFinite(seq)) return undefined;
  try {
    const body = JSON.parse(json) as Record<string, unknown>;
    if (typeof body !== 'object' || body === null || typeof body.type !== 'string') return undefined;
    return { ...body, seq } as PipelineEvent;
  } catch {
    return undefined;
  }
}
