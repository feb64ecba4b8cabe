/** Time as the routing layer sees it: injected so circuits, key resets and backoff are testable without sleeps. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
