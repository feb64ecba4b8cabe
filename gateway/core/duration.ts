import { z } from 'zod';

/**
 * The one duration format of our config and definitions: `500ms`, `2s`, `1.5s`, `15m`, `24h`, `7d`, or a number of
 * milliseconds. Node-free (pipeline definitions, which workflow code imports, use it too).
 */
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration → whole milliseconds; throws on anything else. */
export function parseDuration(d: number | string): number {
  if (typeof d === 'number') return d;
  const m = DURATION_PATTERN.exec(d.trim());
  if (!m) throw new Error(`not a duration: ${d}`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
}

/** zod: a positive integer of milliseconds or a duration string → milliseconds. */
export const durationSchema = z.union([
  z.number().int().positive(),
  z.string().regex(DURATION_PATTERN, 'a duration such as "1500ms", "2s", "15m", "24h" or "7d"').transform((s) => parseDuration(s)),
]);
