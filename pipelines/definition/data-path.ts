/**
 * Dotted paths over pipeline data `{ input, outputs }` (shared by rules, expressions and templates). Node-free and
 * pure. Only own properties of plain JSON data are visited: `__proto__`, `constructor` and `prototype` never
 * resolve, so a path cannot reach a prototype or a global.
 */
import type { JsonObject, JsonValue } from './types';

/** What rules and templates see: the run's initial data and every step's output by its output key. */
export interface PipelineData {
  input: JsonObject;
  outputs: JsonObject;
}

/** `outputs.reviewer.score`, `input.topic`, `topic`, `items.0.name` (segments: letters, digits, `_`, `-`). */
export const PATH_PATTERN = /^[A-Za-z_][\w-]*(\.[\w-]+)*$/;

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One step down: own properties of objects, indices (and `length`) of arrays; nothing else. */
function child(value: JsonValue | undefined, key: string): JsonValue | undefined {
  if (FORBIDDEN.has(key)) return undefined;
  if (Array.isArray(value)) {
    if (key === 'length') return value.length;
    return /^\d+$/.test(key) ? value[Number(key)] : undefined;
  }
  if (isObject(value) && Object.prototype.hasOwnProperty.call(value, key)) return value[key];
  return undefined;
}

export function getIn(value: JsonValue | undefined, segments: readonly string[]): JsonValue | undefined {
  let cur = value;
  for (const s of segments) {
    cur = child(cur, s);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/**
 * Resolves a dotted path. `input.…` and `outputs.…` are explicit; a bare name (`topic`, `reviewer.score`) is
 * looked up in `outputs` first, then in `input`. Anything missing (or forbidden) is `undefined`.
 */
export function resolvePath(data: PipelineData, path: string): JsonValue | undefined {
  const segments = path.split('.');
  const [head, ...rest] = segments;
  if (head === undefined || head === '') return undefined;
  if (head === 'input') return getIn(data.input as JsonValue, rest);
  if (head === 'outputs') return getIn(data.outputs as JsonValue, rest);
  const fromOutputs = getIn(data.outputs as JsonValue, segments);
  return fromOutputs !== undefined ? fromOutputs : getIn(data.input as JsonValue, segments);
}

/** Structural equality of JSON values (key order ignored). */
export function jsonEquals(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => jsonEquals(v, b[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEquals(a[k], b[k]));
}
