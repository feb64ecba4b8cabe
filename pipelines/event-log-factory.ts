/**
 * Picks the event log: Redis when `REDIS_URL` is configured (API and workers may be separate processes),
 * else the in-process log. `sharedEventLog` returns one instance per process, so the all-in-one start's
 * worker activities and API SSE endpoint see the same log.
 */
import { type EventLog, InProcessEventLog } from './event-log';
import { RedisEventLog } from './redis-event-log';

export interface EventLogConfig {
  redisUrl: string | undefined;
}

export function createEventLog(config: EventLogConfig, onError?: (err: Error) => void): EventLog {
  return config.redisUrl ? new RedisEventLog(config.redisUrl, { onError }) : new InProcessEventLog();
}

let shared: EventLog | undefined;

/** The process-wide event log (created on first use from `config`). */
export function sharedEventLog(config: EventLogConfig, onError?: (err: Error) => void): EventLog {
  shared ??= createEventLog(config, onError);
  return shared;
}
