import type { UsageTotals } from './types';

/** The one usage summer of the pipelines (workflow state, agent turns with tool rounds, the ledger). */
export const ZERO_USAGE: UsageTotals = { promptTokens: 0, completionTokens: 0, totalTokens: 0, costUsd: 0 };

/** a + b; cost rounded to 1e-9 USD so that sums stay stable across replays and storage round trips. */
export function addUsage(a: UsageTotals, b: UsageTotals): UsageTotals {
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    totalTokens: a.totalTokens + b.totalTokens,
    costUsd: Math.round((a.costUsd + b.costUsd) * 1e9) / 1e9,
  };
}

export function sumUsage(items: readonly UsageTotals[]): UsageTotals {
  return items.reduce(addUsage, ZERO_USAGE);
}
