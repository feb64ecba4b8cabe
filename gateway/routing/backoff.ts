import type { RoutingConfig } from './routing-config';

/**
 * Delay before retry round `round` (0-based): exponential from `base_delay_ms`, capped at `max_delay_ms`,
 * with "full jitter" in [delay/2, delay] when enabled. Pure: `random` is injected.
 */
export function backoffDelay(round: number, retry: RoutingConfig['retry'], random: () => number = Math.random): number {
  const exp = Math.min(retry.max_delay_ms, retry.base_delay_ms * 2 ** Math.min(round, 20));
  return retry.jitter ? Math.round(exp / 2 + (random() * exp) / 2) : exp;
}

/** Sleeps `ms`, rejecting early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
