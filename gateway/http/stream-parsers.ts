import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { UpstreamResponse } from './upstream-client';
import { networkError } from './upstream-client';

/** Server-sent events from an upstream body (handles `\r\n` separators, comments, multi-line data). */
export async function* sseEvents(res: UpstreamResponse, provider: string, signal?: AbortSignal): AsyncGenerator<EventSourceMessage> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => queue.push(e) });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body) {
      parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
      while (queue.length > 0) yield queue.shift() as EventSourceMessage;
    }
  } catch (err) {
    throw networkError(provider, err, signal);
  }
  parser.feed(decoder.decode() + '\n\n');
  while (queue.length > 0) yield queue.shift() as EventSourceMessage;
}

/** Newline-delimited JSON lines (Ollama), as raw strings; blank lines skipped. */
export async function* ndjsonLines(res: UpstreamResponse, provider: string, signal?: AbortSignal): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for await (const chunk of res.body) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line !== '') yield line;
      }
    }
  } catch (err) {
    throw networkError(provider, err, signal);
  }
  const rest = (buffered + decoder.decode()).trim();
  if (rest !== '') yield rest;
}
