/**
 * The usage ledger: one row per billed upstream call of a pipeline step (tokens, cost, who answered), keyed by
 * an idempotency key (`<workflowId>:<runId>:<activityId>` — stable across activity retries), so a call is
 * counted once even when its activity is retried after it billed. The API reads totals per instance.
 */
import { sumUsage as sumTotals } from './definition/usage-totals';
import type { UsageTotals } from './definition/types';

export interface UsageEntry {
  /** Idempotency key; a second record with the same key is ignored. */
  key: string;
  instanceId: string;
  /** Transition (step) id and agent id. */
  step: string;
  agentId: string;
  provider: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costUsd: number;
  /** Activity attempt that billed. */
  attempt: number;
  at: string;
}

export interface UsageLedger {
  /** Records the entry unless its key is already there; true when it was new. */
  record(entry: UsageEntry): Promise<boolean>;
  entries(instanceId: string): Promise<UsageEntry[]>;
  /** Sums over an instance's entries (zeros when none). */
  totals(instanceId: string): Promise<UsageTotals & { calls: number }>;
  close(): Promise<void>;
}

export function sumUsage(entries: readonly UsageEntry[]): UsageTotals & { calls: number } {
  return { ...sumTotals(entries), calls: entries.length };
}

/** In-process ledger (tests, or when no database is configured). */
export class MemoryUsageLedger implements UsageLedger {
  private readonly rows = new Map<string, UsageEntry>();

  record(entry: UsageEntry): Promise<boolean> {
    if (this.rows.has(entry.key)) return Promise.resolve(false);
    this.rows.set(entry.key, { ...entry });
    return Promise.resolve(true);
  }

  entries(instanceId: string): Promise<UsageEntry[]> {
    return Promise.resolve([...this.rows.values()].filter((e) => e.instanceId === instanceId));
  }

  async totals(instanceId: string): Promise<UsageTotals & { calls: number }> {
    return sumUsage(await this.entries(instanceId));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
