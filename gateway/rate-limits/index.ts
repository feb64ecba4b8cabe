// gateway/rate-limits — rate limits (per caller, global, per provider key) and the pre-call token estimate.
// May import gateway/core only.
export * from './estimate-tokens';
export * from './rate-limiter';
export { formatResetDuration } from './ratelimit-headers';
