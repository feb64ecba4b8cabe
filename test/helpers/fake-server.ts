import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * Harness for the fake provider servers in test/providers/fakes. Each fake speaks one provider's exact wire
 * format and is strict about requests like the real API; tests script what it answers with FakeReply.
 */

/** What a fake should answer next, in neutral terms; each fake renders it in its own wire format. */
export interface FakeReply {
  text?: string;
  /** Tool calls the model makes (arguments as an object; fakes encode as their provider does). */
  toolCalls?: Array<{ id?: string; name: string; arguments: Record<string, unknown> }>;
  finish?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  /** Provider-specific raw finish reason to send instead of the mapped one (e.g. 'SAFETY', 'refusal'). */
  rawFinish?: string;
  usage?: { input: number; output: number; cacheRead?: number; cacheWrite?: number; reasoning?: number };
  /** Answer with this HTTP error instead (body in the provider's error shape unless `body` is given). */
  error?: { status: number; message?: string; body?: unknown; headers?: Record<string, string> };
  /** Wait before sending headers. */
  delayMs?: number;
  /** Wait between streamed chunks. */
  chunkDelayMs?: number;
  /** Streaming only: destroy the socket after this many chunks. */
  dropAfterChunks?: number;
  /** Destroy the connection without answering (a connection reset). */
  reset?: boolean;
  /** Never answer (a hung upstream); the socket stays open until the caller gives up. */
  hang?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  /** When the request arrived (ms epoch). */
  at: number;
  /** Set when the caller closed the connection before the fake finished its answer. */
  closedEarly?: boolean;
}

export interface FakeServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Queue replies; when the queue is empty the fake's default reply is used. */
  enqueue(...replies: FakeReply[]): void;
  close(): Promise<void>;
}

export type FakeHandler = (
  req: RecordedRequest,
  res: http.ServerResponse,
  reply: FakeReply | undefined,
) => Promise<void> | void;

export async function startFakeServer(handler: FakeHandler, port = 0): Promise<FakeServer> {
  const queue: FakeReply[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      if (raw !== '') {
        try {
          body = JSON.parse(raw) as unknown;
        } catch {
          body = raw;
        }
      }
      const rec: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body, at: Date.now() };
      requests.push(rec);
      res.on('close', () => {
        if (!res.writableFinished) rec.closedEarly = true;
      });
      const reply = queue.shift();
      const run = async (): Promise<void> => {
        if (reply?.delayMs) await sleep(reply.delayMs);
        if (res.destroyed || reply?.hang) return;
        if (reply?.reset) {
          req.socket.destroy();
          return;
        }
        await handler(rec, res, reply);
      };
      run().catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ fake_error: String(err) }));
        } else res.destroy();
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    requests,
    enqueue: (...r) => queue.push(...r),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Writes chunks one by one (with optional delay), honouring `dropAfterChunks`. */
export async function writeChunks(res: http.ServerResponse, chunks: string[], reply: FakeReply | undefined): Promise<void> {
  let n = 0;
  for (const c of chunks) {
    if (reply?.dropAfterChunks !== undefined && n >= reply.dropAfterChunks) {
      await sleep(30); // let what was written reach the peer first
      res.socket?.destroy();
      return;
    }
    if (res.destroyed) return;
    res.write(c);
    n++;
    if (reply?.chunkDelayMs) await sleep(reply.chunkDelayMs);
  }
  res.end();
}

/** The last user message's text, for echo replies. */
export function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: string; content?: unknown; parts?: unknown };
    if (m.role === 'user') {
      if (typeof m.content === 'string') return m.content;
      const parts = (Array.isArray(m.content) ? m.content : Array.isArray(m.parts) ? m.parts : []) as Array<{ text?: unknown }>;
      return parts.map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
    }
  }
  return '';
}
