import { createParser } from 'eventsource-parser';

/** One SSE message as a browser EventSource would see it (event name, id, parsed data). */
export interface SseMessage {
  event: string;
  id: string | undefined;
  data: unknown;
}

export interface SseRead {
  status: number;
  contentType: string | null;
  messages: SseMessage[];
  comments: string[];
  /** The error body when the answer was not a stream. */
  body?: unknown;
}

/**
 * Reads an SSE endpoint with fetch until the server ends the stream, `until(message)` says stop (the
 * connection is then closed, as a client that goes away would), or `timeoutMs` passes (then it throws).
 */
export async function readSse(
  url: string,
  opts: { headers?: Record<string, string>; until?: (m: SseMessage, all: SseMessage[]) => boolean; timeoutMs?: number } = {},
): Promise<SseRead> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`SSE read of ${url} timed out`)), opts.timeoutMs ?? 60_000);
  try {
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...opts.headers }, signal: abort.signal });
    const out: SseRead = { status: res.status, contentType: res.headers.get('content-type'), messages: [], comments: [] };
    if (!res.ok || !res.body) {
      out.body = JSON.parse(await res.text()) as unknown;
      return out;
    }
    let stop = false;
    const parser = createParser({
      onEvent: (m) => {
        if (stop) return;
        const msg: SseMessage = { event: m.event ?? 'message', id: m.id, data: JSON.parse(m.data) as unknown };
        out.messages.push(msg);
        if (opts.until?.(msg, out.messages)) stop = true;
      },
      onComment: (c) => out.comments.push(c),
    });
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    while (!stop) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
    if (stop) await reader.cancel().catch(() => undefined);
    return out;
  } finally {
    clearTimeout(timer);
  }
}
