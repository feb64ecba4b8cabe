import { Readable } from 'node:stream';
import fc from 'fast-check';
import { ndjsonLines, sseEvents } from '../../../gateway/http/stream-parsers';
import type { UpstreamResponse } from '../../../gateway/http/upstream-client';

/**
 * Upstream bodies arrive in whatever pieces the network makes: the SSE and NDJSON readers must give the same events
 * for every way of cutting the same bytes — inside a line, between `\r` and `\n`, in the middle of a multi-byte
 * UTF-8 character.
 */

/** A body of these bytes, cut at these offsets (what an upstream socket delivers). */
function bodyOf(bytes: Buffer, cuts: number[]): UpstreamResponse {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (p > from) chunks.push(bytes.subarray(from, p));
    from = Math.max(from, p);
  }
  return { status: 200, headers: {}, body: Readable.from(chunks) as unknown as UpstreamResponse['body'] };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

// Text without the characters SSE/NDJSON use as separators, but with multi-byte characters.
const text = fc.string({ unit: fc.constantFrom('a', 'z', ' ', ':', '{', '"', 'é', '€', '😀', '中'), maxLength: 20 });

test('SSE: any cut of the same bytes gives the same events (event names, multi-line data, \\r\\n, comments)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ event: fc.option(fc.constantFrom('message_start', 'delta', 'ping')), lines: fc.array(text, { minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 6 }),
      fc.constantFrom('\n', '\r\n'),
      fc.array(fc.nat(), { maxLength: 12 }),
      async (events, eol, cuts) => {
        const wire = events.map((e) => `: keep-alive${eol}${e.event ? `event: ${e.event}${eol}` : ''}${e.lines.map((l) => `data: ${l}`).join(eol)}${eol}${eol}`).join('');
        const got = await collect(sseEvents(bodyOf(Buffer.from(wire, 'utf8'), cuts), 'test'));
        expect(got.map((m) => ({ event: m.event ?? null, data: m.data }))).toEqual(events.map((e) => ({ event: e.event, data: e.lines.join('\n') })));
      },
    ),
    { numRuns: 200 },
  );
});

test('NDJSON: any cut of the same bytes gives the same lines (blank lines skipped, a last line without newline kept)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.jsonValue({ maxDepth: 3 }), { minLength: 1, maxLength: 8 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 12 }), async (values, trailingNewline, cuts) => {
      const lines = values.map((v) => JSON.stringify(v));
      const wire = `${lines.join('\n\n')}${trailingNewline ? '\n' : ''}`;
      const got = await collect(ndjsonLines(bodyOf(Buffer.from(wire, 'utf8'), cuts), 'test'));
      expect(got.map((l) => JSON.parse(l) as unknown)).toEqual(lines.map((l) => JSON.parse(l) as unknown));
    }),
    { numRuns: 200 },
  );
});
