/**
 * Renders a function step's `with` object against the pipeline data (templates.ts `renderValue`: a string that
 * is exactly one placeholder takes the value itself). Keys in `rawKeys` (top level) are left as written. A
 * missing required placeholder fails the step for good, naming it.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { PipelineData } from '../../pipelines/definition/data-path';
import { renderValue } from '../../pipelines/definition/templates';
import type { JsonObject } from '../../pipelines/definition/types';

export function renderWith(input: JsonObject, data: PipelineData, rawKeys: readonly string[], what: string): JsonObject {
  const out: JsonObject = {};
  const missing: string[] = [];
  for (const [k, v] of Object.entries(input)) {
    if (rawKeys.includes(k)) {
      out[k] = v;
      continue;
    }
    const r = renderValue(v, data);
    out[k] = r.value;
    missing.push(...r.missing.map((m) => `${k}: {${m}}`));
  }
  if (missing.length > 0) throw ApplicationFailure.nonRetryable(`${what}: no value for ${missing.join(', ')}`, 'MissingData');
  return out;
}
