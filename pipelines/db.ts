/**
 * The one small database facade of pipelines/: an embedded SQLite file `<dataDir>/circuit-breaker.db`
 * (better-sqlite3) by default, Postgres (`pg`) when `DATABASE_URL` is set — the same tables on both. SQL is
 * written once with `?` placeholders (rewritten to `$1…` for Postgres); keep to the common dialect (TEXT,
 * INTEGER, ON CONFLICT … DO NOTHING, RETURNING).
 */
import fs from 'node:fs';
import path from 'node:path';

export type SqlParam = string | number | null;
export type Row = Record<string, unknown>;

export interface Database {
  readonly kind: 'sqlite' | 'postgres';
  /** Where it is: the SQLite file, or the Postgres URL without its password. */
  readonly location: string;
  /** Runs one or more statements without parameters (schema set-up). */
  exec(sql: string): Promise<void>;
  /** Runs one statement; rows for SELECT / RETURNING, else an empty list. */
  query<T extends Row = Row>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  dataDir: string;
  /** Postgres connection string; default `env.DATABASE_URL`. Empty → SQLite. */
  databaseUrl?: string;
}

export const SQLITE_FILE = 'circuit-breaker.db';

/** `?` → `$1, $2, …`, leaving `?` inside quoted strings alone. */
export function toPostgresPlaceholders(sql: string): string {
  let n = 0;
  let quote: string | undefined;
  let out = '';
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      n += 1;
      out += `$${n}`;
    } else out += ch;
  }
  return out;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres';
  }
}

/** True for a unique / primary-key violation on either database. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown } | null;
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

async function openSqlite(file: string): Promise<Database> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const { default: BetterSqlite } = await import('better-sqlite3');
  const db = new BetterSqlite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  return {
    kind: 'sqlite',
    location: file,
    async exec(sql) {
      db.exec(sql);
    },
    async query<T extends Row>(sql: string, params: readonly SqlParam[] = []) {
      const stmt = db.prepare(sql);
      if (stmt.reader) return stmt.all(...params) as T[];
      stmt.run(...params);
      return [];
    },
    async close() {
      if (db.open) db.close();
    },
  };
}

async function openPostgres(url: string): Promise<Database> {
  const { Pool } = await import('pg');
  const pool = new Pool({ connectionString: url, max: 5 });
  pool.on('error', () => undefined); // an idle client's error: the next query reports it
  let closed = false;
  return {
    kind: 'postgres',
    location: redact(url),
    async exec(sql) {
      await pool.query(sql);
    },
    async query<T extends Row>(sql: string, params: readonly SqlParam[] = []) {
      const r = await pool.query(toPostgresPlaceholders(sql), [...params]);
      return (r.rows ?? []) as T[];
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

/** Opens the configured database: Postgres when a URL is given (or DATABASE_URL is set), else the SQLite file. */
export async function openDatabase(opts: DatabaseOptions, env: NodeJS.ProcessEnv = process.env): Promise<Database> {
  const url = opts.databaseUrl ?? env.DATABASE_URL ?? '';
  if (url.trim() !== '') return await openPostgres(url.trim());
  return await openSqlite(path.resolve(opts.dataDir, SQLITE_FILE));
}
