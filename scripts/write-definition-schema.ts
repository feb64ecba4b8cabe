/**
 * Writes the JSON Schema of the pipeline definition format to workflows/definitions/definition.schema.json
 * (`npm run schema:definitions`). A unit test checks the committed file is current.
 */
import fs from 'node:fs';
import path from 'node:path';
import { builtinDefinitionsDir } from '../pipelines/builtin-definitions';
import { definitionJsonSchema } from '../pipelines/definition/definition-schema';

export const DEFINITION_SCHEMA_FILE = 'definition.schema.json';

export function definitionSchemaText(): string {
  return `${JSON.stringify(definitionJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  const file = path.join(builtinDefinitionsDir(), DEFINITION_SCHEMA_FILE);
  fs.writeFileSync(file, definitionSchemaText());
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
