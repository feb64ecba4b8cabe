/**
 * The `json_transform` built-in: a JSONata expression (`expression`) or a mapping of output keys to JSONata
 * expressions (`mapping`), evaluated over `input` when given, else over the pipeline data `{ input, outputs }`.
 */
import { ApplicationFailure } from '@temporalio/common';
import jsonata from 'jsonata';
import type { JsonObject, JsonValue } from '../../pipelines/definition/types';
import type { PipelineFunction } from './function-types';

async function evaluate(expression: string, subject: unknown, what: string): Promise<JsonValue> {
  let compiled;
  try {
    compiled = jsonata(expression);
  } catch (err) {
    throw ApplicationFailure.nonRetryable(`json_transform: ${what} does not parse: ${(err as Error).message}`, 'InvalidRequest');
  }
  try {
    const out = (await compiled.evaluate(subject)) as unknown;
    return out === undefined ? null : (JSON.parse(JSON.stringify(out)) as JsonValue);
  } catch (err) {
    throw ApplicationFailure.nonRetryable(`json_transform: ${what} failed: ${(err as Error).message}`, 'InvalidRequest');
  }
}

export const jsonTransformFunction: PipelineFunction = {
  name: 'json_transform',
  description: 'JSONata `expression`, or `mapping` {key: expression}, over `input` or the pipeline data.',
  rawKeys: ['expression', 'mapping'],
  async run(input, ctx) {
    const subject = input.input !== undefined ? input.input : ctx.data;
    if (typeof input.expression === 'string') return await evaluate(input.expression, subject, 'expression');
    const mapping = input.mapping;
    if (mapping && typeof mapping === 'object' && !Array.isArray(mapping)) {
      const out: JsonObject = {};
      for (const [key, expr] of Object.entries(mapping)) {
        if (typeof expr !== 'string') throw ApplicationFailure.nonRetryable(`json_transform: mapping.${key} must be a string expression`, 'InvalidRequest');
        out[key] = await evaluate(expr, subject, `mapping.${key}`);
      }
      return out;
    }
    throw ApplicationFailure.nonRetryable('json_transform: give `expression` (JSONata) or `mapping` ({key: expression})', 'InvalidRequest');
  },
};
