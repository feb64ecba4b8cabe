/**
 * Definition text (YAML, or JSON — a YAML subset) → plain data for the schema, and the definition errors the API
 * answers with: a 400 GatewayError whose `param` names the first bad field and whose `issues` list them all.
 */
import { parse } from 'yaml';
import { GatewayError } from '../gateway/core/errors';
import type { DefinitionIssue } from './definition/definition-schema';

/** A definition travels in the input (and history) of every run it starts: 256 KiB, far below Temporal's 2 MB payload limit. */
export const MAX_DEFINITION_BYTES = 256 * 1024;

export class InvalidDefinitionError extends GatewayError {
  constructor(readonly issues: DefinitionIssue[]) {
    super({
      status: 400,
      type: 'invalid_request_error',
      code: 'invalid_definition',
      param: issues[0]?.path || null,
      message: `Invalid pipeline definition: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
    });
    this.name = 'InvalidDefinitionError';
  }
}

/** How definition text is parsed, wherever it is parsed (here for our own files, in a child for callers' text). */
export const DEFINITION_YAML_OPTIONS = { maxAliasCount: 100, uniqueKeys: true, prettyErrors: true } as const;

/** Parses YAML or JSON text (the built-in files); a syntax error becomes an InvalidDefinitionError naming the line. */
export function parseDefinitionText(text: string, origin = 'definition'): unknown {
  checkDefinitionSize(text, origin);
  try {
    return parse(text, DEFINITION_YAML_OPTIONS);
  } catch (err) {
    const e = err as Error & { linePos?: Array<{ line: number; col: number }> };
    throw new InvalidDefinitionError([yamlSyntaxIssue(origin, e.message, e.linePos)]);
  }
}

/** A YAML/JSON syntax error as the issue the API answers with, naming the line. */
export function yamlSyntaxIssue(origin: string, message: string, linePos?: ReadonlyArray<{ line: number; col: number }>): DefinitionIssue {
  const at = linePos?.[0];
  const where = at ? ` (line ${at.line}, column ${at.col})` : '';
  return { path: '', message: `${origin} is not valid YAML/JSON${where}: ${message.split('\n')[0] ?? ''}` };
}

/** The size limit, for a definition sent as a JSON object as for one sent as text (it travels in every run's input). */
export function checkDefinitionSize(input: unknown, origin = 'definition'): void {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : Buffer.byteLength(JSON.stringify(input) ?? '', 'utf8');
  if (size > MAX_DEFINITION_BYTES) throw new InvalidDefinitionError([{ path: '', message: `${origin} is larger than ${MAX_DEFINITION_BYTES} bytes` }]);
}
