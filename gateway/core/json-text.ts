import { GatewayErrors } from './errors';

/** Deepest nesting of arrays and objects a caller's JSON may have (OpenAI-style bodies, JSON Schemas included, stay far below). */
export const DEFAULT_JSON_MAX_DEPTH = 64;

/**
 * The one JSON parse of text a caller sent (request bodies, hook payloads): a 400 `invalid_json` when it is not
 * JSON, and a 400 `json_too_deep` when it nests deeper than `maxDepth` — refused at the edge, before any code that
 * walks it recursively (validation, translation, serialisation) could fail on it somewhere a caller's input must
 * never fail (inside the router, where a failure would count against a provider's health).
 */
export function parseJsonText(text: string, maxDepth: number = DEFAULT_JSON_MAX_DEPTH): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw GatewayErrors.invalidRequest('We could not parse the JSON body of your request. The body must be valid JSON (check quoting and trailing commas).', null, 'invalid_json');
  }
  if (depthExceeds(value, maxDepth)) {
    throw GatewayErrors.invalidRequest(`The JSON body nests arrays/objects more than ${maxDepth} levels deep.`, null, 'json_too_deep');
  }
  return value;
}

/** Iterative (no recursion, so no stack to exhaust): whether any array/object sits deeper than `max`. */
export function depthExceeds(value: unknown, max: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: Array<{ v: object; d: number }> = [{ v: value, d: 1 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop() as { v: object; d: number };
    if (d > max) return true;
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const c of children) if (c !== null && typeof c === 'object') stack.push({ v: c as object, d: d + 1 });
  }
  return false;
}
