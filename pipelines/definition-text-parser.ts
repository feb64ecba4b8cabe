/**
 * Parses caller-sent definition text (YAML or JSON) off the event loop, in a worker thread bounded in time and
 * memory: a definition of pathological YAML (deep flow collections, a huge document within the size limit) never
 * stalls the API; one that does not parse within `timeoutMs` is refused. A worker per parse (registering a
 * definition is rare; ~30 ms to start), ended as soon as it answered, so none is ever left holding the process.
 */
import { Worker } from 'node:worker_threads';
import { InvalidDefinitionError, MAX_DEFINITION_BYTES, yamlSyntaxIssue } from './definition-text';

const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const { parse } = require(workerData.yamlPath);
try {
  parentPort.postMessage({ ok: true, value: parse(workerData.text, { maxAliasCount: 100, uniqueKeys: true, prettyErrors: true }) });
} catch (e) {
  parentPort.postMessage({ ok: false, message: String(e && e.message), linePos: e && e.linePos });
}`;

type Reply = { ok: true; value: unknown } | { ok: false; message: string; linePos?: Array<{ line: number; col: number }> };

export async function parseDefinitionTextOffThread(text: string, origin = 'definition', timeoutMs = 2_000): Promise<unknown> {
  if (Buffer.byteLength(text, 'utf8') > MAX_DEFINITION_BYTES) throw new InvalidDefinitionError([{ path: '', message: `${origin} is larger than ${MAX_DEFINITION_BYTES} bytes` }]);
  const worker = new Worker(WORKER_CODE, { eval: true, workerData: { yamlPath: require.resolve('yaml'), text }, resourceLimits: { maxOldGenerationSizeMb: 128 } });
  let timer: NodeJS.Timeout | undefined;
  try {
    const reply = await new Promise<Reply>((resolve, reject) => {
      timer = setTimeout(() => reject(new InvalidDefinitionError([{ path: '', message: `${origin} took longer than ${timeoutMs} ms to parse` }])), timeoutMs);
      worker.once('message', resolve);
      worker.once('error', (err) => reject(new InvalidDefinitionError([{ path: '', message: `${origin} could not be parsed (${err.message})` }])));
      worker.once('exit', () => reject(new InvalidDefinitionError([{ path: '', message: `${origin} could not be parsed` }])));
    });
    if (reply.ok) return reply.value;
    throw new InvalidDefinitionError([yamlSyntaxIssue(origin, reply.message, reply.linePos)]);
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}
