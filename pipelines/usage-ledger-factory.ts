/**
 * Opens the usage ledger of this process in the pipelines database (SQLite `<dataDir>/circuit-breaker.db`, or
 * Postgres with DATABASE_URL): one per process, shared by the worker activities and the API of an all-in-one
 * start. Closing it lets a later call open it again.
 */
import { openDatabase } from './db';
import { SqlUsageLedger } from './sql-usage-ledger';
import type { UsageLedger } from './usage-ledger';

export interface LedgerConfig {
  dataDir: string;
}

let shared: Promise<UsageLedger> | undefined;

export function openUsageLedger(config: LedgerConfig, env: NodeJS.ProcessEnv = process.env): Promise<UsageLedger> {
  if (!shared) {
    const opening = openDatabase({ dataDir: config.dataDir }, env).then((db) => SqlUsageLedger.open(db));
    shared = opening.then((ledger) => ({
      record: (e) => ledger.record(e),
      entries: (id) => ledger.entries(id),
      totals: (id) => ledger.totals(id),
      close: async () => {
        if (shared === opened) shared = undefined;
        await ledger.close();
      },
    }));
    const opened = shared;
    opening.catch(() => {
      if (shared === opened) shared = undefined;
    });
  }
  return shared;
}
