// gateway/http — upstream HTTP plumbing shared by providers: pooled keep-alive client, the one upstream-call
// helper (postJson + response handlers), the one stream skeleton (chatStream), SSE/NDJSON parsing,
// Retry-After parsing, upstream error → GatewayError. May import gateway/core only.
export * from './upstream-client';
export * from './stream-parsers';
export * from './provider-error';
export * from './post-json';
export * from './chat-stream';
