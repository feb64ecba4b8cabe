/**
 * The functions pipeline steps can `use`: the built-ins plus user functions, loaded once by the worker from
 * CB_FUNCTIONS_DIR — each `.js`/`.cjs`/`.ts` module there exports `default` or named `{ name, run(input, ctx) }`
 * (or an array of them). TypeScript modules are transpiled with the `typescript` package when it is installed.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { extractTextFunction } from './extract-text';
import type { FunctionsConfig, PipelineFunction } from './function-types';
import { httpRequestFunction } from './http-request';
import { jsonTransformFunction } from './json-transform';
import { templateFunction } from './template-function';

/** Node's own require (not a test runner's), for modules found at run time. */
const nodeRequire = createRequire(__filename);

export class FunctionRegistry {
  private readonly fns = new Map<string, PipelineFunction>();

  constructor(readonly config: FunctionsConfig) {}

  /** A registry with the built-ins `http_request`, `extract_text`, `json_transform`, `template`. */
  static withBuiltIns(config: FunctionsConfig): FunctionRegistry {
    const r = new FunctionRegistry(config);
    for (const fn of [httpRequestFunction(config), extractTextFunction, jsonTransformFunction, templateFunction]) r.register(fn);
    return r;
  }

  register(fn: PipelineFunction): void {
    if (!/^[a-zA-Z][\w.-]{0,63}$/.test(fn.name)) throw new Error(`function name '${fn.name}' must be 1-64 of letters, digits, _ . - (starting with a letter)`);
    this.fns.set(fn.name, fn);
  }

  get(name: string): PipelineFunction | undefined {
    return this.fns.get(name);
  }

  names(): string[] {
    return [...this.fns.keys()].sort();
  }

  /** Loads every module of `dir` (not recursive); returns the names it registered. Throws naming the bad file. */
  loadDirectory(dir: string): string[] {
    const files = fs
      .readdirSync(dir)
      .filter((f) => /\.(c?js|ts)$/.test(f) && !f.endsWith('.d.ts') && !/\.test\.[jt]s$/.test(f))
      .sort();
    const loaded: string[] = [];
    for (const file of files) {
      const full = path.resolve(dir, file);
      if (full.endsWith('.ts')) ensureTypeScriptLoader();
      let mod: unknown;
      try {
        mod = nodeRequire(full) as unknown;
      } catch (err) {
        throw new Error(`CB_FUNCTIONS_DIR: cannot load ${full}: ${(err as Error).message}`, { cause: err });
      }
      const fns = functionsOf(mod);
      if (fns.length === 0) throw new Error(`CB_FUNCTIONS_DIR: ${full} exports no { name, run } function`);
      for (const fn of fns) {
        this.register(fn);
        loaded.push(fn.name);
      }
    }
    return loaded;
  }
}

function isFunction(v: unknown): v is PipelineFunction {
  const f = v as { name?: unknown; run?: unknown } | null;
  return typeof f === 'object' && f !== null && typeof f.name === 'string' && typeof f.run === 'function';
}

/** `default` (a function or a list), else every named export that is one, else the module itself. */
export function functionsOf(mod: unknown): PipelineFunction[] {
  if (isFunction(mod)) return [mod];
  if (typeof mod !== 'object' || mod === null) return [];
  const exports = mod as Record<string, unknown>;
  const def = exports.default;
  if (isFunction(def)) return [def];
  if (Array.isArray(def)) return def.filter(isFunction);
  return Object.values(exports).filter(isFunction);
}

interface TsApi {
  transpileModule(input: string, options: { compilerOptions: Record<string, unknown>; fileName: string }): { outputText: string };
}

type CompilingModule = NodeJS.Module & { _compile(code: string, filename: string): void };

/** Registers a `.ts` require hook (transpile only) unless one exists (ts-node, jest, Node's own). */
function ensureTypeScriptLoader(): void {
  const extensions = nodeRequire.extensions;
  if (extensions['.ts']) return;
  let ts: TsApi;
  try {
    ts = nodeRequire('typescript') as TsApi;
  } catch {
    throw new Error('CB_FUNCTIONS_DIR: loading .ts functions needs the `typescript` package (npm i typescript), or compile them to .js');
  }
  extensions['.ts'] = (module, filename) => {
    const source = fs.readFileSync(filename, 'utf8');
    const out = ts.transpileModule(source, { fileName: filename, compilerOptions: { module: 1 /* CommonJS */, target: 9 /* ES2022 */, esModuleInterop: true } });
    (module as CompilingModule)._compile(out.outputText, filename);
  };
}
