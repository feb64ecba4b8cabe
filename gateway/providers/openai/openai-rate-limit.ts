import type { RateLimitSnapshot } from '../../rate-limits/rate-limit-snapshot';

/**
 * OpenAI's rate-limit headers (Azure OpenAI and many OpenAI-compatible servers send the same):
 * `x-ratelimit-remaining-requests`, `x-ratelimit-remaining-tokens`, and `x-ratelimit-reset-requests` /
 * `x-ratelimit-reset-tokens` as Go-style durations (`1s`, `6m0s`, `20ms`, `1h2m3.5s`).
 */
export function readOpenAIRateLimit(headers: Record<string, string>): RateLimitSnapshot | undefined {
  const out: RateLimitSnapshot = {};
  const remainingRequests = count(headers['x-ratelimit-remaining-requests']);
  const remainingTokens = count(headers['x-ratelimit-remaining-tokens']);
  const resetRequestsMs = parseOpenAIDuration(headers['x-ratelimit-reset-requests']);
  const resetTokensMs = parseOpenAIDuration(headers['x-ratelimit-reset-tokens']);
  if (remainingRequests !== undefined) out.remainingRequests = remainingRequests;
  if (remainingTokens !== undefined) out.remainingTokens = remainingTokens;
  if (resetRequestsMs !== undefined) out.resetRequestsMs = resetRequestsMs;
  if (resetTokensMs !== undefined) out.resetTokensMs = resetTokensMs;
  return Object.keys(out).length === 0 ? undefined : out;
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000_001 };

/** `6m0s` → 360000; a bare number is seconds; anything else → undefined. */
export function parseOpenAIDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (!/^(\d+(\.\d+)?(h|ms|m|s|us|µs|ns))+$/.test(s)) return undefined;
  let ms = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) ms += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
  return Math.round(ms);
}

function count(v: string | undefined): number | undefined {
  if (v === undefined || !/^\s*\d+\s*$/.test(v)) return undefined;
  return Number(v);
}
