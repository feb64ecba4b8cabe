// gateway/core — the canonical chat types every other layer speaks. Depends on zod only; imports nothing
// else of ours. Providers convert to and from these; the API serialises them into OpenAI's wire format.
export * from './chat-request';
export * from './chat-result';
export * from './chat-model';
export * from './errors';
export * from '../rate-limits/rate-limit-snapshot';
