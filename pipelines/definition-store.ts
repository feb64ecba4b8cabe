/**
 * Durable, versioned pipeline definitions (the `pipeline_definitions` table through pipelines/db.ts). `save`
 * validates and compiles a source (YAML/JSON text or parsed data), checks its initialData JSON Schema, and stores
 * a new version only when the content changed (versions are kept forever; a running instance carries its own
 * compiled copy anyway). `get` answers the latest version unless one is asked for.
 */
import { createHash } from 'node:crypto';
import { checkDefinition } from './definition/compile-definition';
import type { DefinitionIssue } from './definition/definition-schema';
import type { JsonObject, PipelineDefinition } from './definition/types';
import { isUniqueViolation, openDatabase, type Database, type DatabaseOptions } from './db';
import { checkDefinitionSize, InvalidDefinitionError } from './definition-text';
import { parseDefinitionTextIsolated } from './definition-text-parser';
import { initialDataSchemaErrors, validateInitialData } from './validate-initial-data';

export { InvalidDefinitionError } from './definition-text';

const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS pipeline_definitions (
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  source TEXT NOT NULL,
  compiled TEXT NOT NULL,
  builtin INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  PRIMARY KEY (id, version)
)`;

export interface DefinitionSummary {
  id: string;
  name: string;
  description?: string;
  /** The latest version. */
  version: number;
  versions: number[];
  builtin: boolean;
  createdAt: string;
  agents: Array<{ id: string; role: string; model: string }>;
  initialData?: JsonObject;
  schedule?: { cron: string };
}

export interface StoredDefinition {
  definition: PipelineDefinition;
  /** The source as validated (defaults applied), without `version`. */
  source: JsonObject;
  contentHash: string;
  builtin: boolean;
  createdAt: string;
}

export interface SaveResult {
  definition: PipelineDefinition;
  /** False when the content equals the latest version (nothing stored). */
  created: boolean;
}

interface DefinitionRow {
  id: string;
  version: number | string;
  name: string;
  content_hash: string;
  source: string;
  compiled: string;
  builtin: number | string | boolean;
  created_at: string;
}

/** JSON with sorted keys: the same content always hashes the same. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function toStored(r: DefinitionRow): StoredDefinition {
  return {
    definition: JSON.parse(r.compiled) as PipelineDefinition,
    source: JSON.parse(r.source) as JsonObject,
    contentHash: r.content_hash,
    builtin: r.builtin === 1 || r.builtin === '1' || r.builtin === true,
    createdAt: r.created_at,
  };
}

export class DefinitionStore {
  private constructor(private readonly db: Database) {}

  /** A store over an open database (creates its table if needed). The caller owns the database. */
  static async create(db: Database): Promise<DefinitionStore> {
    try {
      await db.exec(SCHEMA_SQL);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      await db.exec(SCHEMA_SQL); // two processes raced on CREATE TABLE (Postgres): it exists now
    }
    return new DefinitionStore(db);
  }

  /** Validates and compiles a parsed source; the compiled definition (with the version it would get: its own or 1). */
  static check(data: unknown): { definition: PipelineDefinition; source: JsonObject; declaredVersion?: number } {
    checkDefinitionSize(data);
    const r = checkDefinition(data);
    if (!r.ok) throw new InvalidDefinitionError(r.issues);
    const issues: DefinitionIssue[] = [];
    const schema = r.definition.initialData;
    if (schema) for (const m of initialDataSchemaErrors(schema)) issues.push({ path: 'initialData', message: `not a valid JSON Schema: ${m}` });
    if (schema && issues.length === 0 && r.definition.schedule) {
      const v = validateInitialData(schema, r.definition.schedule.initialData ?? {});
      if (!v.ok) for (const e of v.errors) issues.push({ path: `schedule.initialData${e.field ? `.${e.field}` : ''}`, message: e.message });
    }
    if (issues.length > 0) throw new InvalidDefinitionError(issues);
    const { version, $schema: _s, ...source } = r.source;
    return { definition: r.definition, source: JSON.parse(JSON.stringify(source)) as JsonObject, ...(version !== undefined ? { declaredVersion: version } : {}) };
  }

  /** Stores a new version when the content changed; throws InvalidDefinitionError (400, naming the field). */
  async save(input: unknown, opts: { builtin?: boolean } = {}): Promise<PipelineDefinition> {
    return (await this.saveDetailed(input, opts)).definition;
  }

  async saveDetailed(input: unknown, opts: { builtin?: boolean } = {}): Promise<SaveResult> {
    // Text a caller sent is parsed off the event loop (bounded in time); an object is checked for size like text.
    const data = typeof input === 'string' ? await parseDefinitionTextIsolated(input) : input;
    const { definition, source, declaredVersion } = DefinitionStore.check(data);
    const hash = createHash('sha256').update(canonical(source)).digest('hex');
    for (let attempt = 0; ; attempt += 1) {
      const latest = await this.getStored(definition.id);
      if (latest && latest.contentHash === hash) return { definition: latest.definition, created: false };
      const next = Math.max((latest?.definition.version ?? 0) + 1, declaredVersion ?? 1);
      const stamped: PipelineDefinition = { ...definition, version: next };
      try {
        await this.db.query(
          'INSERT INTO pipeline_definitions (id, version, name, content_hash, source, compiled, builtin, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          [stamped.id, next, stamped.name, hash, JSON.stringify(source), JSON.stringify(stamped), opts.builtin ? 1 : 0, new Date().toISOString()],
        );
        return { definition: stamped, created: true };
      } catch (err) {
        if (!isUniqueViolation(err) || attempt >= 5) throw err;
      }
    }
  }

  async getStored(id: string, version?: number): Promise<StoredDefinition | undefined> {
    const rows =
      version === undefined
        ? await this.db.query<DefinitionRow & Record<string, unknown>>('SELECT * FROM pipeline_definitions WHERE id = ? ORDER BY version DESC LIMIT 1', [id])
        : await this.db.query<DefinitionRow & Record<string, unknown>>('SELECT * FROM pipeline_definitions WHERE id = ? AND version = ?', [id, version]);
    return rows[0] ? toStored(rows[0]) : undefined;
  }

  /** The compiled definition: the latest version, or the one asked for; undefined when unknown. */
  async get(id: string, version?: number): Promise<PipelineDefinition | undefined> {
    return (await this.getStored(id, version))?.definition;
  }

  async versions(id: string): Promise<number[]> {
    const rows = await this.db.query<{ version: number | string }>('SELECT version FROM pipeline_definitions WHERE id = ? ORDER BY version', [id]);
    return rows.map((r) => Number(r.version));
  }

  /** The latest version of every definition. */
  async all(): Promise<PipelineDefinition[]> {
    const rows = await this.db.query<DefinitionRow & Record<string, unknown>>(
      `SELECT d.* FROM pipeline_definitions d
       JOIN (SELECT id, MAX(version) AS v FROM pipeline_definitions GROUP BY id) m ON d.id = m.id AND d.version = m.v
       ORDER BY d.id`,
    );
    return rows.map((r) => toStored(r).definition);
  }

  /** One summary per definition (latest version), by id. */
  async list(): Promise<DefinitionSummary[]> {
    const rows = await this.db.query<DefinitionRow & Record<string, unknown>>(
      `SELECT d.* FROM pipeline_definitions d
       JOIN (SELECT id, MAX(version) AS v FROM pipeline_definitions GROUP BY id) m ON d.id = m.id AND d.version = m.v
       ORDER BY d.id`,
    );
    const all = await this.db.query<{ id: string; version: number | string }>('SELECT id, version FROM pipeline_definitions ORDER BY id, version');
    return rows.map((r) => {
      const s = toStored(r);
      const d = s.definition;
      const summary: DefinitionSummary = {
        id: d.id,
        name: d.name,
        version: d.version,
        versions: all.filter((v) => v.id === d.id).map((v) => Number(v.version)),
        builtin: s.builtin,
        createdAt: s.createdAt,
        agents: d.agents.map((a) => ({ id: a.id, role: a.role, model: a.model })),
      };
      if (d.description !== undefined) summary.description = d.description;
      if (d.initialData !== undefined) summary.initialData = d.initialData;
      if (d.schedule !== undefined) summary.schedule = { cron: d.schedule.cron };
      return summary;
    });
  }
}

export interface OpenedDefinitionStore {
  store: DefinitionStore;
  db: Database;
  /** The built-in definitions as stored (new versions where their YAML changed). */
  builtins: PipelineDefinition[];
  close(): Promise<void>;
}

/** Opens the database, the store, and loads the built-in definitions (unless `builtins: false`). */
export async function openDefinitionStore(opts: DatabaseOptions & { builtins?: boolean; builtinDir?: string }, env: NodeJS.ProcessEnv = process.env): Promise<OpenedDefinitionStore> {
  const db = await openDatabase(opts, env);
  try {
    const store = await DefinitionStore.create(db);
    const { loadBuiltinDefinitions } = await import('./builtin-definitions');
    const builtins = opts.builtins === false ? [] : await loadBuiltinDefinitions(store, opts.builtinDir);
    return { store, db, builtins, close: () => db.close() };
  } catch (err) {
    await db.close();
    throw err;
  }
}

