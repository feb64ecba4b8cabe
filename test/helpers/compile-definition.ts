import { type CompileOptions, checkDefinition } from '../../pipelines/definition/compile-definition';
import type { PipelineDefinition } from '../../pipelines/definition/types';
import { InvalidDefinitionError } from '../../pipelines/definition-text';

/** Compiles a definition or throws the InvalidDefinitionError the API would answer with (tests' shorthand). */
export function compileDefinition(input: unknown, opts: CompileOptions = {}): PipelineDefinition {
  const r = checkDefinition(input, opts);
  if (!r.ok) throw new InvalidDefinitionError(r.issues);
  return r.definition;
}
