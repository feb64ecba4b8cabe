/**
 * Makes sure the pipeline search attributes exist in the namespace (a server other than our dev server, which
 * registers them at start, may lack them — and a start with an unknown search attribute is refused).
 * Idempotent; adds only what is missing.
 */
import type { Client } from '@temporalio/client';
import { PIPELINE_SEARCH_ATTRIBUTE_TYPES } from './definition/search-attributes';

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD (every pipeline attribute is a Keyword). */
const KEYWORD = 2;

/** The names it added (empty when all were there). */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const svc = client.connection.operatorService;
  const have = await svc.listSearchAttributes({ namespace });
  const known = new Set([...Object.keys(have.customAttributes ?? {}), ...Object.keys(have.systemAttributes ?? {})]);
  const missing = Object.keys(PIPELINE_SEARCH_ATTRIBUTE_TYPES).filter((n) => !known.has(n));
  if (missing.length === 0) return [];
  try {
    await svc.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((n) => [n, KEYWORD])) });
  } catch (err) {
    if ((err as { code?: unknown }).code !== 6) throw err; // ALREADY_EXISTS: another process added them first
  }
  return missing;
}
