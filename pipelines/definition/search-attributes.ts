/**
 * The pipeline search attributes (Keyword): registered on the dev server (`startDevServer({ searchAttributes })`)
 * and set on every pipeline run, so the Temporal UI and visibility queries can filter by definition, caller and
 * instance. Node-free.
 */
import type { SearchAttributePair } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from './types';

/** name → type, the form `startDevServer` / `temporal server start-dev --search-attribute` take. */
export const PIPELINE_SEARCH_ATTRIBUTE_TYPES: Record<string, string> = {
  [SEARCH_ATTRIBUTES.definition]: 'Keyword',
  [SEARCH_ATTRIBUTES.caller]: 'Keyword',
  [SEARCH_ATTRIBUTES.instance]: 'Keyword',
};

/** The typed search attributes of one run (for `client.workflow.start({ typedSearchAttributes })`). */
export function pipelineSearchAttributes(definitionId: string, caller: string, instanceId: string): SearchAttributePair[] {
  return [
    { key: { name: SEARCH_ATTRIBUTES.definition, type: 'KEYWORD' }, value: definitionId },
    { key: { name: SEARCH_ATTRIBUTES.caller, type: 'KEYWORD' }, value: caller },
    { key: { name: SEARCH_ATTRIBUTES.instance, type: 'KEYWORD' }, value: instanceId },
  ];
}

/** A visibility-query string literal (single quotes escaped). */
export function visibilityLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
