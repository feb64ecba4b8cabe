/**
 * A minimal, fast fake OpenAI upstream for `npm run bench` (plain node:http, no validation): answers
 * `POST /v1/chat/completions` with a small fixed chat.completion, or — when the body has `"stream":true` — an
 * SSE stream of content chunks. Run as its own process so it never shares an event loop with the gateway.
 *
 *   node dist/scripts/bench-upstream.js [--port 0] [--host 127.0.0.1] [--chunks 20]
 *                                       [--first-token-ms 20] [--chunk-delay-ms 0]
 *
 * Env BENCH_UPSTREAM_PORT / _CHUNKS / _FIRST_TOKEN_MS / _CHUNK_DELAY_MS work too. Once listening it prints
 * one JSON line `{"port":N}` on stdout (the parent waits for it). Every other path answers 404.
 */
import http from 'node:http';

export interface UpstreamOptions {
  host: string;
  port: number;
  chunks: number;
  firstTokenMs: number;
  chunkDelayMs: number;
}

export function parseUpstreamOptions(argv: readonly string[], env: NodeJS.ProcessEnv): UpstreamOptions {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, envName: string, fallback: number): number => {
    const raw = arg(name) ?? env[envName];
    const n = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: expected a number >= 0, got ${raw}`);
    return n;
  };
  return {
    host: arg('host') ?? '127.0.0.1',
    port: num('port', 'BENCH_UPSTREAM_PORT', 0),
    chunks: Math.max(1, Math.floor(num('chunks', 'BENCH_UPSTREAM_CHUNKS', 20))),
    firstTokenMs: num('first-token-ms', 'BENCH_UPSTREAM_FIRST_TOKEN_MS', 20),
    chunkDelayMs: num('chunk-delay-ms', 'BENCH_UPSTREAM_CHUNK_DELAY_MS', 0),
  };
}

const ID = 'chatcmpl-bench';
const MODEL = 'gpt-4o-mini';
const CREATED = 1_700_000_000;
const USAGE = { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 };

const COMPLETION = Buffer.from(
  JSON.stringify({
    id: ID,
    object: 'chat.completion',
    created: CREATED,
    model: MODEL,
    system_fingerprint: 'fp_bench',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello! This is a fixed answer from the bench upstream.', refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: USAGE,
  }),
);
const NOT_FOUND = Buffer.from(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error', code: 'not_found' } }));

function chunk(delta: Record<string, unknown>, finish: string | null): string {
  const body = { id: ID, object: 'chat.completion.chunk', created: CREATED, model: MODEL, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
  return `data: ${JSON.stringify(body)}\n\n`;
}

/** Pre-serialised SSE events: [role + first token, …tokens, finish]; the usage event and [DONE] follow. */
function streamEvents(n: number): string[] {
  const events = [chunk({ role: 'assistant', content: 'tok0 ' }, null)];
  for (let i = 1; i < n; i++) events.push(chunk({ content: `tok${i} ` }, null));
  events.push(chunk({}, 'stop'));
  return events;
}
const USAGE_EVENT = `data: ${JSON.stringify({ id: ID, object: 'chat.completion.chunk', created: CREATED, model: MODEL, choices: [], usage: USAGE })}\n\n`;
const DONE_EVENT = 'data: [DONE]\n\n';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function writeStream(res: http.ServerResponse, events: readonly string[], usage: boolean, o: UpstreamOptions): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.flushHeaders();
  if (o.firstTokenMs > 0) await sleep(o.firstTokenMs);
  for (let i = 0; i < events.length; i++) {
    if (res.destroyed) return;
    if (i > 0 && o.chunkDelayMs > 0) await sleep(o.chunkDelayMs);
    res.write(events[i]);
  }
  res.end(usage ? USAGE_EVENT + DONE_EVENT : DONE_EVENT);
}

export function createUpstreamServer(o: UpstreamOptions): http.Server {
  const events = streamEvents(o.chunks);
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => {
      if (req.method !== 'POST' || !(req.url ?? '').startsWith('/v1/chat/completions')) {
        res.writeHead(404, { 'content-type': 'application/json', 'content-length': NOT_FOUND.length });
        res.end(NOT_FOUND);
        return;
      }
      const body = Buffer.concat(parts).toString('utf8');
      if (/"stream"\s*:\s*true/.test(body)) {
        void writeStream(res, events, /"include_usage"\s*:\s*true/.test(body), o);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': COMPLETION.length });
      res.end(COMPLETION);
    });
  });
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 130_000;
  server.requestTimeout = 0;
  return server;
}

if (require.main === module) {
  let options: UpstreamOptions;
  try {
    options = parseUpstreamOptions(process.argv.slice(2), process.env);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const server = createUpstreamServer(options);
  server.listen(options.port, options.host, () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : options.port;
    process.stdout.write(`${JSON.stringify({ port })}\n`);
  });
  const stop = (): void => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
}
