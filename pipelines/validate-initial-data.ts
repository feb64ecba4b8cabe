/**
 * Initial data against a definition's `initialData` JSON Schema (ajv 8, draft 2020-12 or draft-07 keywords;
 * formats from ajv-formats). Defaults declared in the schema are applied to a copy. Errors name the field
 * (`topic`, `options.depth`), so the API answers 400 with `param: initialData.<field>`.
 */
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import type { RegExpEngine, RegExpLike } from 'ajv/dist/types';
import type * as Re2Module from 're2-wasm';
import addFormats from 'ajv-formats';
import type { JsonObject, PipelineDefinition } from './definition/types';

export interface InitialDataError {
  /** Dotted path of the field (`topic`, `items.0.name`); null for the data as a whole. */
  field: string | null;
  message: string;
}

export type InitialDataResult = { ok: true; data: JsonObject } | { ok: false; field: string | null; message: string; errors: InitialDataError[] };

/**
 * `pattern` / `patternProperties` regexes come from callers: they run on RE2 (linear time, re2-wasm), never on the
 * backtracking JS engine, so `^(a+)+$` cannot stall the API; a pattern RE2 cannot run (look-around,
 * back-references) is refused when the definition is registered. Loaded on the first pattern (≈10 MB).
 */
const re2Engine: RegExpEngine = Object.assign(
  (pattern: string, flags: string): RegExpLike => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { RE2 } = require('re2-wasm') as typeof Re2Module;
    return new RE2(pattern, flags.includes('u') ? flags : `${flags}u`);
  },
  { code: 'require("re2-wasm").RE2' },
);

const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: false, coerceTypes: false, code: { regExp: re2Engine } });
addFormats(ajv);

const cache = new Map<string, ValidateFunction>();

function compile(schema: JsonObject): ValidateFunction {
  const key = JSON.stringify(schema);
  let fn = cache.get(key);
  if (!fn) {
    const { $schema: _ignored, ...rest } = schema;
    fn = ajv.compile(rest);
    if (cache.size > 200) cache.clear();
    cache.set(key, fn);
  }
  return fn;
}

/** Problems with a JSON Schema itself (for the definition store), or an empty list. */
export function initialDataSchemaErrors(schema: JsonObject): string[] {
  try {
    compile(schema);
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

function fieldOf(e: ErrorObject): string | null {
  const base = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = e.params as { missingProperty?: string; additionalProperty?: string; propertyName?: string };
  const extra = params.missingProperty ?? params.additionalProperty ?? (e.keyword === 'propertyNames' ? params.propertyName : undefined);
  const parts = extra !== undefined ? [...base, extra] : base;
  return parts.length > 0 ? parts.join('.') : null;
}

function describe(e: ErrorObject): string {
  if (e.keyword === 'required') return 'is required';
  if (e.keyword === 'additionalProperties') return 'is not an allowed property';
  if (e.keyword === 'enum') return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return e.message ?? 'is invalid';
}

/** Validates initial data against a JSON Schema; on success the data with the schema's defaults applied. */
export function validateInitialData(schema: JsonObject | undefined, data: unknown): InitialDataResult {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, field: null, message: 'initialData must be a JSON object', errors: [{ field: null, message: 'must be a JSON object' }] };
  }
  const copy = structuredClone(data) as JsonObject;
  if (!schema) return { ok: true, data: copy };
  const validate = compile(schema);
  if (validate(copy)) return { ok: true, data: copy };
  const errors = (validate.errors ?? []).map((e) => ({ field: fieldOf(e), message: describe(e) }));
  // anyOf/oneOf add a summary error after their branches; the first concrete error names the field best.
  const first = errors.find((e) => e.field !== null) ?? errors[0] ?? { field: null, message: 'is invalid' };
  const message = `Invalid initialData: ${errors.map((e) => (e.field ? `${e.field} ${e.message}` : e.message)).join('; ')}`;
  return { ok: false, field: first.field, message, errors };
}

/** The API's check (pipelines/pipeline-service.ts InitialDataCheck): a definition's schema against the data. */
export function checkInitialData(def: Pick<PipelineDefinition, 'initialData'>, data: unknown): InitialDataResult {
  return validateInitialData(def.initialData, data);
}
