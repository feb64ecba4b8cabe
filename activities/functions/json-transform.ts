/**
 * The `json_transform` built-in: a JSONata expression (`expression`) or a mapping of output keys to JSONata
 * expressions (`mapping`), evaluated over `input` when given, else over the pipeline data `{ input, outputs }`.
 *
 * Expressions come from callers, so they run in a child process (`runIsolated`), bounded: `timeout_ms` (default
 * 5 s, at most 30 s) and 64 MB of heap. An expression that recurses without end or builds a huge value fails the
 * step for good (`FunctionLimitExceeded`); it never stalls the process it runs in (with `npm start`, the API's).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { JsonObject, JsonValue } from '../../pipelines/definition/types';
import { IsolatedRunError, runIsolated } from '../../pipelines/isolated-run';
import type { PipelineFunction } from './function-types';

const DEFAULT_TIMEOUT_MS = 5_000;
const MAX_TIMEOUT_MS = 30_000;
const HEAP_MB = 64;

/** Compiles and evaluates every expression in one child; answers the first failure, naming its expression. */
const CHILD_CODE = `
const jsonata = require(input.jsonataPath);
const out = {};
for (const [what, expression] of input.expressions) {
  let compiled;
  try {
    compiled = jsonata(expression);
  } catch (e) {
    return reply({ ok: false, what, stage: 'parse', message: String(e && e.message) });
  }
  try {
    const value = await compiled.evaluate(input.subject);
    out[what] = value === undefined ? null : JSON.parse(JSON.stringify(value));
  } catch (e) {
    return reply({ ok: false, what, stage: 'evaluate', message: String(e && e.message) });
  }
}
reply({ ok: true, out });`;

type Reply = { ok: true; out: Record<string, JsonValue> } | { ok: false; what: string; stage: 'parse' | 'evaluate'; message: string };

async function evaluateAll(expressions: Array<[string, string]>, subject: unknown, timeoutMs: number, signal: AbortSignal): Promise<Record<string, JsonValue>> {
  let reply: Reply;
  try {
    reply = await runIsolated<Reply>(CHILD_CODE, { jsonataPath: require.resolve('jsonata'), expressions, subject }, { timeoutMs, maxOldGenerationSizeMb: HEAP_MB, signal });
  } catch (err) {
    if (err instanceof IsolatedRunError && err.reason === 'aborted') throw err;
    const what = expressions.length === 1 ? (expressions[0]?.[0] ?? 'expression') : 'the mapping';
    throw ApplicationFailure.nonRetryable(`json_transform: ${what} ${(err as Error).message}`, 'FunctionLimitExceeded');
  }
  if (reply.ok) return reply.out;
  throw ApplicationFailure.nonRetryable(`json_transform: ${reply.what} ${reply.stage === 'parse' ? 'does not parse' : 'failed'}: ${reply.message}`, 'InvalidRequest');
}

function timeoutOf(input: JsonObject): number {
  const t = input.timeout_ms;
  if (t === undefined) return DEFAULT_TIMEOUT_MS;
  if (typeof t !== 'number' || !Number.isInteger(t) || t <= 0 || t > MAX_TIMEOUT_MS) {
    throw ApplicationFailure.nonRetryable(`json_transform: timeout_ms must be a whole number of milliseconds up to ${MAX_TIMEOUT_MS}`, 'InvalidRequest');
  }
  return t;
}

export const jsonTransformFunction: PipelineFunction = {
  name: 'json_transform',
  description: 'JSONata `expression`, or `mapping` {key: expression}, over `input` or the pipeline data (off the event loop, `timeout_ms` default 5000).',
  rawKeys: ['expression', 'mapping'],
  async run(input, ctx) {
    const subject = input.input !== undefined ? input.input : ctx.data;
    const timeoutMs = timeoutOf(input);
    if (typeof input.expression === 'string') return (await evaluateAll([['expression', input.expression]], subject, timeoutMs, ctx.signal)).expression ?? null;
    const mapping = input.mapping;
    if (mapping && typeof mapping === 'object' && !Array.isArray(mapping)) {
      const expressions: Array<[string, string]> = [];
      for (const [key, expr] of Object.entries(mapping)) {
        if (typeof expr !== 'string') throw ApplicationFailure.nonRetryable(`json_transform: mapping.${key} must be a string expression`, 'InvalidRequest');
        expressions.push([`mapping.${key}`, expr]);
      }
      const values = await evaluateAll(expressions, subject, timeoutMs, ctx.signal);
      const out: JsonObject = {};
      for (const [key] of Object.entries(mapping)) out[key] = values[`mapping.${key}`] ?? null;
      return out;
    }
    throw ApplicationFailure.nonRetryable('json_transform: give `expression` (JSONata) or `mapping` ({key: expression})', 'InvalidRequest');
  },
};
