/**
 * The usage ledger in the pipelines database (pipelines/db.ts: SQLite file by default, Postgres with
 * DATABASE_URL): table `pipeline_usage`, one row per billed call, `INSERT … ON CONFLICT (key) DO NOTHING`.
 */
import type { Database, Row } from './db';
import { sumUsage, type UsageEntry, type UsageLedger } from './usage-ledger';
import type { UsageTotals } from './definition/types';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS pipeline_usage (
  key TEXT PRIMARY KEY,
  instance_id TEXT NOT NULL,
  step TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  total_tokens INTEGER NOT NULL,
  cost_usd DOUBLE PRECISION NOT NULL,
  attempt INTEGER NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pipeline_usage_instance ON pipeline_usage (instance_id);
`;

interface UsageRow extends Row {
  key: string;
  instance_id: string;
  step: string;
  agent_id: string;
  provider: string;
  model: string;
  prompt_tokens: number | string;
  completion_tokens: number | string;
  total_tokens: number | string;
  cost_usd: number | string;
  attempt: number | string;
  at: string;
}

export class SqlUsageLedger implements UsageLedger {
  private constructor(private readonly db: Database) {}

  /** Creates the table when missing (two processes racing to create it is fine). */
  static async open(db: Database): Promise<SqlUsageLedger> {
    try {
      await db.exec(SCHEMA);
    } catch {
      await db.exec(SCHEMA); // lost a CREATE race on Postgres: the table exists now
    }
    return new SqlUsageLedger(db);
  }

  async record(e: UsageEntry): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO pipeline_usage (key, instance_id, step, agent_id, provider, model, prompt_tokens, completion_tokens, total_tokens, cost_usd, attempt, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING RETURNING key`,
      [e.key, e.instanceId, e.step, e.agentId, e.provider, e.model, e.promptTokens, e.completionTokens, e.totalTokens, e.costUsd, e.attempt, e.at],
    );
    return rows.length > 0;
  }

  async entries(instanceId: string): Promise<UsageEntry[]> {
    const rows = await this.db.query<UsageRow>('SELECT * FROM pipeline_usage WHERE instance_id = ? ORDER BY at, key', [instanceId]);
    return rows.map((r) => ({
      key: r.key,
      instanceId: r.instance_id,
      step: r.step,
      agentId: r.agent_id,
      provider: r.provider,
      model: r.model,
      promptTokens: Number(r.prompt_tokens),
      completionTokens: Number(r.completion_tokens),
      totalTokens: Number(r.total_tokens),
      costUsd: Number(r.cost_usd),
      attempt: Number(r.attempt),
      at: r.at,
    }));
  }

  async totals(instanceId: string): Promise<UsageTotals & { calls: number }> {
    return sumUsage(await this.entries(instanceId));
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
