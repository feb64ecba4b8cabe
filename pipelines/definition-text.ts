/**
 * Definition text (YAML, or JSON — a YAML subset) → plain data for the schema, and the definition errors the API
 * answers with: a 400 GatewayError whose `param` names the first bad field and whose `issues` list them all.
 */
import { parse } from 'yaml';
import { GatewayError } from '../gateway/core/errors';
import type { DefinitionIssue } from './definition/definition-schema';

export const MAX_DEFINITION_BYTES = 1024 * 1024;

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

/** Parses YAML or JSON text; a syntax error becomes an InvalidDefinitionError naming the line. */
export function parseDefinitionText(text: string, origin = 'definition'): unknown {
  if (Buffer.byteLength(text, 'utf8') > MAX_DEFINITION_BYTES) throw new InvalidDefinitionError([{ path: '', message: `${origin} is larger than ${MAX_DEFINITION_BYTES} bytes` }]);
  try {
    return parse(text, { maxAliasCount: 100, uniqueKeys: true, prettyErrors: true });
  } catch (err) {
    const e = err as Error & { linePos?: Array<{ line: number; col: number }> };
    const at = e.linePos?.[0];
    const where = at ? ` (line ${at.line}, column ${at.col})` : '';
    throw new InvalidDefinitionError([{ path: '', message: `${origin} is not valid YAML/JSON${where}: ${e.message.split('\n')[0] ?? ''}` }]);
  }
}
