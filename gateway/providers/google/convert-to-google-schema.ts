import { GatewayErrors } from '../../core/errors';

/**
 * JSON Schema → Gemini's `Schema` (an OpenAPI 3.0 subset) for `responseSchema` and function `parameters`.
 * Gemini answers 400 for keys it does not know (`additionalProperties`, `$schema`, `$defs`, `const`,
 * `oneOf`, …), so the conversion keeps only what Gemini accepts and rewrites the rest where it can:
 * `type: [T, 'null']` → `type: T, nullable: true`; `const: 'x'` → `enum: ['x']`; `oneOf` → `anyOf`;
 * local `$ref`s (`#/$defs/…`, `#/definitions/…`) are inlined; single-element `allOf` is merged.
 * Anything else is dropped (a looser schema, never a failed call). Recursive `$ref`s cannot be inlined → 400.
 */

type JsonObject = Record<string, unknown>;

const PASS_THROUGH = [
  'title',
  'description',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'minProperties',
  'maxProperties',
  'default',
  'example',
  'propertyOrdering',
] as const;

/** Formats Gemini accepts per type; others (email, uri, date, …) are rejected by the API, so dropped. */
const FORMATS: Record<string, ReadonlySet<string>> = {
  STRING: new Set(['enum', 'date-time']),
  NUMBER: new Set(['float', 'double']),
  INTEGER: new Set(['int32', 'int64']),
};

const TYPES = new Set(['STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT']);
const MAX_REF_DEPTH = 32;

export function convertToGoogleSchema(schema: unknown, param: string): JsonObject {
  const root = isObject(schema) ? schema : {};
  return convert(schema, { root, param, refStack: [] });
}

/** Function parameters: Gemini rejects an OBJECT with empty `properties`, so a no-argument tool sends none. */
export function convertToGoogleParameters(schema: unknown, param: string): JsonObject | undefined {
  if (schema === undefined) return undefined;
  const out = convertToGoogleSchema(schema, param);
  const props = out.properties;
  if (out.type === 'OBJECT' && (!isObject(props) || Object.keys(props).length === 0)) return undefined;
  return out;
}

interface Ctx {
  root: JsonObject;
  param: string;
  refStack: string[];
}

function convert(schema: unknown, ctx: Ctx): JsonObject {
  if (!isObject(schema)) return {};
  if (typeof schema.$ref === 'string') return convert(resolveRef(schema.$ref, ctx), withRef(schema.$ref, ctx));

  const allOf = schema.allOf;
  if (Array.isArray(allOf) && allOf.length > 0) {
    const { allOf: _drop, ...rest } = schema;
    return convert(allOf.reduce<JsonObject>((acc, s) => mergeSchemas(acc, derefShallow(s, ctx)), rest), ctx);
  }

  const out: JsonObject = {};
  for (const key of PASS_THROUGH) if (schema[key] !== undefined) out[key] = schema[key];

  let nullable = schema.nullable === true;
  const types = (Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type])
    .filter((t): t is string => typeof t === 'string')
    .map((t) => t.toUpperCase());
  if (types.includes('NULL')) nullable = true;
  const nonNull = types.filter((t) => TYPES.has(t));

  const variants = [schema.anyOf, schema.oneOf].find((v): v is unknown[] => Array.isArray(v) && v.length > 0);
  if (nonNull.length > 1) {
    // A multi-type union: one variant per type, the other keywords apply to the variant they fit.
    const { type: _t, ...rest } = schema;
    out.anyOf = nonNull.map((t) => convert({ ...rest, type: t.toLowerCase() }, ctx));
    for (const k of Object.keys(out)) if (k !== 'anyOf' && k !== 'title' && k !== 'description') delete out[k];
    if (nullable) out.nullable = true;
    return out;
  }
  if (variants) {
    const converted = variants.filter((v) => !isNullSchema(v, ctx)).map((v) => convert(v, ctx));
    if (converted.length < variants.length) nullable = true;
    if (converted.length === 1) Object.assign(out, converted[0]);
    else if (converted.length > 1) out.anyOf = converted;
  }

  const type = nonNull.length === 1 ? nonNull[0] : undefined;
  if (type !== undefined) out.type = type;

  const enumValues = Array.isArray(schema.enum) ? schema.enum : schema.const !== undefined ? [schema.const] : undefined;
  if (enumValues) {
    if (enumValues.includes(null)) nullable = true;
    const strings = enumValues.filter((v): v is string => typeof v === 'string');
    if (strings.length > 0 && strings.length === enumValues.filter((v) => v !== null).length) {
      out.enum = strings;
      out.type = 'STRING';
    }
  }

  if (typeof schema.format === 'string' && typeof out.type === 'string' && FORMATS[out.type]?.has(schema.format)) {
    out.format = schema.format;
  }

  if (isObject(schema.properties)) {
    const props: JsonObject = {};
    for (const [name, sub] of Object.entries(schema.properties)) props[name] = convert(sub, ctx);
    if (Object.keys(props).length > 0) out.properties = props;
    out.type ??= 'OBJECT';
    if (Array.isArray(schema.required)) {
      const required = schema.required.filter((r): r is string => typeof r === 'string' && r in props);
      if (required.length > 0) out.required = required;
    }
  }

  if (schema.items !== undefined && !Array.isArray(schema.items)) {
    out.items = convert(schema.items, ctx);
    out.type ??= 'ARRAY';
  } else if (Array.isArray(schema.items) && schema.items.length > 0) {
    out.items = convert(schema.items[0], ctx); // tuple form: Gemini has no tuples; the first item type is the best fit.
    out.type ??= 'ARRAY';
  }

  if (nullable) out.nullable = true;
  return out;
}

function isNullSchema(s: unknown, ctx: Ctx): boolean {
  const d = derefShallow(s, ctx);
  return d.type === 'null' || (Array.isArray(d.type) && d.type.length === 1 && d.type[0] === 'null');
}

function derefShallow(s: unknown, ctx: Ctx): JsonObject {
  if (!isObject(s)) return {};
  return typeof s.$ref === 'string' ? derefShallow(resolveRef(s.$ref, ctx), withRef(s.$ref, ctx)) : s;
}

function withRef(ref: string, ctx: Ctx): Ctx {
  if (ctx.refStack.includes(ref) || ctx.refStack.length >= MAX_REF_DEPTH) {
    throw GatewayErrors.invalidRequest(`${ctx.param}: recursive schema ($ref ${ref}) cannot be expressed for Gemini`, ctx.param);
  }
  return { ...ctx, refStack: [...ctx.refStack, ref] };
}

function resolveRef(ref: string, ctx: Ctx): unknown {
  if (ref === '#') return ctx.root;
  if (!ref.startsWith('#/')) {
    throw GatewayErrors.invalidRequest(`${ctx.param}: only local $ref ('#/…') is supported, got ${ref}`, ctx.param);
  }
  let node: unknown = ctx.root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    node = isObject(node) ? node[key] : undefined;
  }
  if (node === undefined) throw GatewayErrors.invalidRequest(`${ctx.param}: unresolvable $ref ${ref}`, ctx.param);
  return node;
}

/** allOf merge: properties and required are unioned, other keys of later schemas win. */
function mergeSchemas(a: JsonObject, b: JsonObject): JsonObject {
  const out: JsonObject = { ...a, ...b };
  if (isObject(a.properties) || isObject(b.properties)) {
    out.properties = { ...(isObject(a.properties) ? a.properties : {}), ...(isObject(b.properties) ? b.properties : {}) };
  }
  const req = [a.required, b.required].flatMap((r) => (Array.isArray(r) ? r : []));
  if (req.length > 0) out.required = [...new Set(req)];
  return out;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
