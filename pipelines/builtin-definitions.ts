/**
 * The built-in definitions: every `*.yaml` / `*.yml` in the repository's workflows/definitions/, saved into the
 * store at start (a changed file becomes a new version). The folder is found from the package root, so this works
 * from the TypeScript sources and from dist/ (which has no YAML files).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PipelineDefinition } from './definition/types';
import type { DefinitionStore } from './definition-store';
import { InvalidDefinitionError, parseDefinitionText } from './definition-text';

const RELATIVE_DIR = path.join('workflows', 'definitions');

function hasYaml(dir: string): boolean {
  try {
    return fs.readdirSync(dir).some((f) => /\.ya?ml$/.test(f));
  } catch {
    return false;
  }
}

/** workflows/definitions under the nearest ancestor of `start` that has it with YAML files (or `CB_DEFINITIONS_DIR`). */
export function builtinDefinitionsDir(start: string = __dirname, env: NodeJS.ProcessEnv = process.env): string {
  if (env.CB_DEFINITIONS_DIR) return path.resolve(env.CB_DEFINITIONS_DIR);
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, RELATIVE_DIR);
    if (hasYaml(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`built-in pipeline definitions not found: no ${RELATIVE_DIR}/*.yaml above ${start}`);
  }
}

export interface BuiltinSource {
  file: string;
  source: unknown;
}

/** Reads and parses every YAML file of the folder, in name order. */
export function readBuiltinSources(dir: string = builtinDefinitionsDir()): BuiltinSource[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      return { file, source: parseDefinitionText(fs.readFileSync(file, 'utf8'), f) };
    });
}

/** Saves every built-in into the store; a broken built-in fails start-up naming its file and field. */
export async function loadBuiltinDefinitions(store: DefinitionStore, dir?: string): Promise<PipelineDefinition[]> {
  const out: PipelineDefinition[] = [];
  for (const b of readBuiltinSources(dir ?? builtinDefinitionsDir())) {
    try {
      out.push(await store.save(b.source, { builtin: true }));
    } catch (err) {
      if (err instanceof InvalidDefinitionError) throw new Error(`${b.file}: ${err.message}`, { cause: err });
      throw err;
    }
  }
  return out;
}
