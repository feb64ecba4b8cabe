/**
 * Picks the event log: Redis when `REDIS_URL` is configured (API and workers may be separate processes),
 * else the in-process log. `sharedEventLog` returns one instance per process, so the all-in-one start's
 * worker activities and API SSE endpoint see the same log.
 */
import { type EventLog, InProcessEventLog } from './event-log';
import type * as RedisEventLogModule from './redis-event-log';

export interface EventLogConfig {
  redisUrl: string | undefined;
}

export function createEventLog(config: EventLogConfig, onError?: (err: Error) => void): EventLog {
  if (!config.redisUrl) return new InProcessEventLog();
  // Loaded only with REDIS_URL: an in-process deployment never pays for the Redis client.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { RedisEventLog } = require('./redis-event-log') as typeof RedisEventLogModule;
  return new RedisEventLog(config.redisUrl, { onError });
}

let shared: EventLog | undefined;

/** The process-wide event log (created on first use from `config`). */
export function sharedEventLog(config: EventLogConfig, onError?: (err: Error) => void): EventLog {
  shared ??= createEventLog(config, onError);
  return shared;
}
