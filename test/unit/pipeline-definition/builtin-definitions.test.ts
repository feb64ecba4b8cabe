import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileDefinition } from '../../helpers/compile-definition';
import { evaluateRule } from '../../../pipelines/definition/rules';
import { renderTemplate } from '../../../pipelines/definition/templates';
import type { PipelineDefinition } from '../../../pipelines/definition/types';
import { builtinDefinitionsDir, readBuiltinSources } from '../../../pipelines/builtin-definitions';
import { validateInitialData } from '../../../pipelines/validate-initial-data';

const root = path.resolve(__dirname, '../../..');
const byId = new Map<string, PipelineDefinition>(readBuiltinSources().map((s) => {
  const d = compileDefinition(s.source);
  return [d.id, d];
}));
const get = (id: string): PipelineDefinition => {
  const d = byId.get(id);
  if (!d) throw new Error(`no built-in ${id}`);
  return d;
};

describe('built-in definitions', () => {
  test('the folder is found from the sources, from dist/ and by CB_DEFINITIONS_DIR', () => {
    const dir = path.join(root, 'workflows', 'definitions');
    expect(builtinDefinitionsDir()).toBe(dir);
    expect(builtinDefinitionsDir(path.join(root, 'dist', 'pipelines'), {})).toBe(dir);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-defs-'));
    fs.writeFileSync(path.join(tmp, 'x.yaml'), 'id: x\n');
    expect(builtinDefinitionsDir(root, { CB_DEFINITIONS_DIR: tmp })).toBe(tmp);
    expect(() => builtinDefinitionsDir(tmp, {})).toThrow(/not found/);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('all three compile', () => {
    expect([...byId.keys()].sort()).toEqual(['content_pipeline', 'document_analysis', 'research_and_summarize']);
  });

  test('content_pipeline: five agents and a review loop bounded by max_iterations', () => {
    const d = get('content_pipeline');
    expect(d.agents.map((a) => a.id)).toEqual(['researcher', 'outliner', 'writer', 'reviewer', 'editor']);
    expect(d.agents.find((a) => a.id === 'reviewer')?.output).toBe('json');
    expect(d.maxIterations).toBe(3);
    const out = d.transitions.filter((t) => t.from.includes('reviewed'));
    expect(out.map((t) => [t.id, t.to])).toEqual([['edit', 'done'], ['rewrite', 'drafted']]);
    const decide = (reviewer: Record<string, unknown>) => out.find((t) => !t.rules || evaluateRule(t.rules, { input: {}, outputs: { reviewer } as never }, d.rules))?.id;
    expect(decide({ score: 9, approved: true, feedback: '' })).toBe('edit');
    expect(decide({ score: 5, approved: false, feedback: 'more examples' })).toBe('rewrite');
    expect(decide({ score: '8', approved: false })).toBe('edit');

    const input = validateInitialData(d.initialData, { topic: 'Durable execution' });
    expect(input).toEqual({ ok: true, data: { topic: 'Durable execution', audience: 'general readers', tone: 'professional', length: 800 } });
    const writer = d.agents.find((a) => a.id === 'writer')!;
    const first = renderTemplate(writer.prompts.user_template, { input: input.ok ? input.data : {}, outputs: { researcher: 'R', outliner: 'O' } });
    expect(first.missing).toEqual([]);
    expect(first.text).toContain('Write a professional article of about 800 words on "Durable execution" for general readers.');
    const again = renderTemplate(writer.prompts.user_template, { input: input.ok ? input.data : {}, outputs: { researcher: 'R', outliner: 'O', writer: 'DRAFT 1', reviewer: { feedback: 'cut the intro' } } });
    expect(again.text).toContain('DRAFT 1');
    expect(again.text).toContain('cut the intro');
    const reviewer = d.agents.find((a) => a.id === 'reviewer')!;
    expect(renderTemplate(reviewer.prompts.user_template, { input: input.ok ? input.data : {}, outputs: { writer: 'D' } }).text).toContain('{"score": <integer 1-10>');
    expect(validateInitialData(d.initialData, { topic: 'x'.repeat(10), tone: 'angry' })).toMatchObject({ ok: false, field: 'tone' });
  });

  test('research_and_summarize: parallel research, then a summary (topic, depth, audience)', () => {
    const d = get('research_and_summarize');
    expect(d.transitions[0]?.action).toEqual({ type: 'parallel', branches: [{ type: 'agent', agent: 'researcher' }, { type: 'agent', agent: 'critic' }] });
    expect(Object.keys((d.initialData?.properties ?? {}) as object)).toEqual(['topic', 'depth', 'audience']);
    expect(validateInitialData(d.initialData, {})).toMatchObject({ ok: false, field: 'topic', message: expect.stringMatching(/topic is required/) });
  });

  test('document_analysis: the short steps form with rules-gated steps', () => {
    const d = get('document_analysis');
    expect(d.states).toEqual(['step_0', 'step_1', 'step_2', 'step_3', 'done']);
    expect(d.transitions.map((t) => t.id)).toEqual(['extract_text', 'analyse', 'fact_check', 'skip_fact_check', 'summary', 'skip_summary']);
    const summary = d.transitions.find((t) => t.id === 'summary')!;
    const data = (passed: unknown) => ({ input: {}, outputs: { analyse: 'A', fact_check: { passed } } as never });
    expect(evaluateRule(summary.rules!, data(true), d.rules)).toBe(true);
    expect(evaluateRule(summary.rules!, data(false), d.rules)).toBe(false);
    expect(validateInitialData(d.initialData, { text: 'hello' })).toMatchObject({ ok: true });
    expect(validateInitialData(d.initialData, { url: 'not a url' })).toMatchObject({ ok: false, field: 'url' });
    expect(validateInitialData(d.initialData, { focus: 'x' })).toMatchObject({ ok: false });
  });
});
