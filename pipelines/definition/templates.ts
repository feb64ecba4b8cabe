/**
 * `{variable}` templates of prompts and function settings. Node-free and pure (workflow code renders them).
 *
 * - `{topic}` — a bare name: outputs first, then initial data; `{input.topic}`, `{outputs.reviewer.feedback}` —
 *   explicit. Objects and arrays render as JSON, null as an empty string.
 * - `{name?}` — optional: a missing value renders as an empty string. A missing required value is reported in
 *   `missing` (the step fails, naming it).
 * - Only braces around a bare path are placeholders: `{"score": 8}` or `{ a, b }` stay as written, so JSON
 *   examples in prompts need no escaping. `{{name}}` and malformed paths (`{a..b}`) are errors at compile time.
 */
import { PATH_PATTERN, resolvePath, type PipelineData } from './data-path';
import type { JsonValue } from './types';

export interface TemplateVariable {
  /** The dotted path, without the `?`. */
  path: string;
  optional: boolean;
  /** The placeholder as written, braces included. */
  raw: string;
}

export type TemplatePart = string | TemplateVariable;

/** Brace groups that look like placeholders: no whitespace, quotes, colons or commas inside. */
const CANDIDATE = /\{\{([^{}\s"':,]*)\}\}|\{([^{}\s"':,]*)\}/g;

function scan(template: string): { parts: TemplatePart[]; errors: string[] } {
  const parts: TemplatePart[] = [];
  const errors: string[] = [];
  let last = 0;
  for (const m of template.matchAll(CANDIDATE)) {
    const [raw, doubled, single] = m;
    const at = m.index;
    if (doubled !== undefined) {
      if (doubled !== '') errors.push(`${raw}: use single braces, {${doubled}}`);
      continue;
    }
    if (single === undefined || single === '') continue;
    const optional = single.endsWith('?');
    const path = optional ? single.slice(0, -1) : single;
    if (!PATH_PATTERN.test(path)) {
      errors.push(`${raw}: malformed placeholder (expected {name}, {input.name}, {outputs.step.field} or {name?})`);
      continue;
    }
    if (at > last) parts.push(template.slice(last, at));
    parts.push({ path, optional, raw });
    last = at + raw.length;
  }
  if (last < template.length) parts.push(template.slice(last));
  return { parts, errors };
}

export function parseTemplate(template: string): TemplatePart[] {
  return scan(template).parts;
}

/** The placeholders of a template, in order. */
export function templateVariables(template: string): TemplateVariable[] {
  return scan(template).parts.filter((p): p is TemplateVariable => typeof p !== 'string');
}

/** Problems with a template's placeholders (empty when it is well-formed). */
export function templateErrors(template: string): string[] {
  return scan(template).errors;
}

export function renderJsonValue(v: JsonValue): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v, null, 2);
}

export interface RenderResult {
  text: string;
  /** Required placeholders without a value (paths as written), in order, without duplicates. */
  missing: string[];
}

/** Renders a template against pipeline data. */
export function renderTemplate(template: string, data: PipelineData): RenderResult {
  const missing: string[] = [];
  let text = '';
  for (const part of parseTemplate(template)) {
    if (typeof part === 'string') {
      text += part;
      continue;
    }
    const v = resolvePath(data, part.path);
    if (v === undefined) {
      if (!part.optional && !missing.includes(part.path)) missing.push(part.path);
      continue;
    }
    text += renderJsonValue(v);
  }
  return { text, missing };
}

/**
 * Renders every string inside a JSON value (function settings). A string that is exactly one placeholder
 * (`"{outputs.fetch}"`) takes the referenced value as it is (an object stays an object; optional + missing → null).
 */
export function renderValue(value: JsonValue, data: PipelineData): { value: JsonValue; missing: string[] } {
  const missing: string[] = [];
  const walk = (v: JsonValue): JsonValue => {
    if (typeof v === 'string') {
      const parts = parseTemplate(v);
      const only = parts.length === 1 ? parts[0] : undefined;
      if (only !== undefined && typeof only !== 'string') {
        const resolved = resolvePath(data, only.path);
        if (resolved === undefined && !only.optional) missing.push(only.path);
        return resolved ?? null;
      }
      const r = renderTemplate(v, data);
      missing.push(...r.missing);
      return r.text;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  const out = walk(value);
  return { value: out, missing: [...new Set(missing)] };
}
