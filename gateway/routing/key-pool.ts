import type { RateLimitSnapshot } from '../rate-limits/rate-limit-snapshot';
import { type Clock, systemClock } from './clock';

export type { RateLimitSnapshot } from '../rate-limits/rate-limit-snapshot';

/**
 * The API keys of one provider instance: smooth weighted round-robin over the usable ones. A key answered
 * with 401/403 is disabled until the pool is rebuilt (config reload or restart); a key at its rate limit
 * (a 429, or a response saying nothing is left) is skipped until its reset time. Keys never leave this
 * class unmasked except through `acquire` (for the upstream call itself).
 */

export type KeyState = 'active' | 'rate_limited' | 'disabled';

export interface KeyHealth extends Pick<KeySlot, 'until' | 'reason' | 'calls' | 'failures' | 'remainingRequests' | 'remainingTokens' | 'weight'> {
  provider: string;
  index: number;
  /** Masked: first 3 + '…' + last 4, or '…' + last 2 for short keys. */
  key: string;
  state: KeyState;
}

/** Wait assumed when an upstream says nothing is left but not when it resets. */
export const DEFAULT_RESET_MS = 1_000;

interface KeySlot {
  key: string;
  weight: number;
  current: number;
  disabled: boolean;
  /** rate_limited: when the key is usable again. */
  until?: number;
  reason?: string;
  calls: number;
  failures: number;
  remainingRequests?: number;
  remainingTokens?: number;
}

export class KeyPool {
  private readonly slots: KeySlot[];

  constructor(
    readonly provider: string,
    keys: readonly string[],
    weights?: readonly number[],
    private readonly clock: Clock = systemClock,
  ) {
    this.slots = keys.map((key, i) => {
      const w = weights?.[i];
      return { key, weight: w !== undefined && Number.isFinite(w) && w > 0 ? w : 1, current: 0, disabled: false, calls: 0, failures: 0 };
    });
  }

  get size(): number {
    return this.slots.length;
  }

  /**
   * The next usable key by smooth weighted round-robin, skipping disabled keys, rate-limited ones until
   * their reset, and `exclude` (indexes already tried for this request). undefined when none is usable now.
   * A pool without keys (Ollama, keyless custom endpoints) yields `{ index: -1, key: undefined }` on every
   * call unless -1 is in `exclude` — so a caller that adds what it got to `exclude` tries it once.
   */
  acquire(exclude?: ReadonlySet<number>): { index: number; key: string | undefined } | undefined {
    if (this.slots.length === 0) return exclude?.has(-1) ? undefined : { index: -1, key: undefined };
    const now = this.clock.now();
    let total = 0;
    let best: { slot: KeySlot; index: number } | undefined;
    this.slots.forEach((slot, index) => {
      if (exclude?.has(index) || !this.usable(slot, now)) return;
      slot.current += slot.weight;
      total += slot.weight;
      if (!best || slot.current > best.slot.current) best = { slot, index };
    });
    if (!best) return undefined;
    best.slot.current -= total;
    return { index: best.index, key: best.slot.key };
  }

  /** When the earliest rate-limited key becomes usable (undefined if one is usable now, or all are disabled). */
  nextAvailableAt(): number | undefined {
    const now = this.clock.now();
    let earliest: number | undefined;
    for (const slot of this.slots) {
      if (slot.disabled) continue;
      if (this.usable(slot, now)) return undefined;
      if (slot.until !== undefined && (earliest === undefined || slot.until < earliest)) earliest = slot.until;
    }
    return earliest;
  }

  /** A call with this key succeeded; a snapshot saying nothing is left rate-limits it until the reset. */
  recordSuccess(index: number, rateLimit?: RateLimitSnapshot): void {
    const slot = this.slots[index];
    if (!slot) return;
    slot.calls++;
    if (!rateLimit) return;
    if (rateLimit.remainingRequests !== undefined) slot.remainingRequests = rateLimit.remainingRequests;
    if (rateLimit.remainingTokens !== undefined) slot.remainingTokens = rateLimit.remainingTokens;
    let waitMs: number | undefined;
    if (rateLimit.remainingRequests === 0) waitMs = rateLimit.resetRequestsMs ?? DEFAULT_RESET_MS;
    if (rateLimit.remainingTokens === 0) waitMs = Math.max(waitMs ?? 0, rateLimit.resetTokensMs ?? DEFAULT_RESET_MS);
    if (waitMs !== undefined) {
      const which = rateLimit.remainingRequests === 0 ? 'requests' : 'tokens';
      this.markRateLimited(index, waitMs, `no ${which} left in the current rate-limit window`);
    }
  }

  /** A call with this key failed (counted; the key stays in rotation). */
  recordFailure(index: number): void {
    const slot = this.slots[index];
    if (!slot) return;
    slot.calls++;
    slot.failures++;
  }

  /** Skips the key for `retryAfterMs` (a 429, or a configured ceiling); never shortens an existing wait. */
  markRateLimited(index: number, retryAfterMs: number, reason: string): void {
    const slot = this.slots[index];
    if (!slot || slot.disabled) return;
    const until = this.clock.now() + Math.max(0, retryAfterMs);
    if (slot.until === undefined || until > slot.until || slot.until <= this.clock.now()) {
      slot.until = until;
      slot.reason = reason;
    }
  }

  /** The upstream refused the key (401/403): out of rotation until the pool is rebuilt. */
  markAuthFailed(index: number, reason: string): void {
    const slot = this.slots[index];
    if (!slot) return;
    slot.disabled = true;
    slot.until = undefined;
    slot.reason = reason;
  }

  snapshot(): KeyHealth[] {
    const now = this.clock.now();
    return this.slots.map((slot, index) => {
      const limited = !slot.disabled && slot.until !== undefined && slot.until > now;
      const h: KeyHealth = {
        provider: this.provider,
        index,
        key: maskKey(slot.key),
        state: slot.disabled ? 'disabled' : limited ? 'rate_limited' : 'active',
        calls: slot.calls,
        failures: slot.failures,
        weight: slot.weight,
      };
      if (limited) h.until = slot.until;
      if ((slot.disabled || limited) && slot.reason !== undefined) h.reason = slot.reason;
      if (slot.remainingRequests !== undefined) h.remainingRequests = slot.remainingRequests;
      if (slot.remainingTokens !== undefined) h.remainingTokens = slot.remainingTokens;
      return h;
    });
  }

  private usable(slot: KeySlot, now: number): boolean {
    return !slot.disabled && (slot.until === undefined || slot.until <= now);
  }
}

/** `sk-proj-abcdef…` → `sk-…wxyz`; short keys show only their last 2 characters, very short ones nothing. */
export function maskKey(key: string): string {
  if (key.length >= 12) return `${key.slice(0, 3)}…${key.slice(-4)}`;
  if (key.length >= 6) return `…${key.slice(-2)}`;
  return '…';
}
