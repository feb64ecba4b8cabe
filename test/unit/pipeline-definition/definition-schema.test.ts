import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { definitionJsonSchema, parseDefinitionSource } from '../../../pipelines/definition/definition-schema';
import { builtinDefinitionsDir, readBuiltinSources } from '../../../pipelines/builtin-definitions';
import { DEFINITION_SCHEMA_FILE, definitionSchemaText } from '../../../scripts/write-definition-schema';

const agent = { id: 'w', role: 'Writer', model: 'gpt-4o', prompts: { user_template: 'Write about {topic}' } };
const issuesOf = (input: unknown) => {
  const r = parseDefinitionSource(input);
  if (r.ok) throw new Error('expected issues');
  return r.issues;
};

describe('definition source schema', () => {
  test('unknown keys are errors that name their path', () => {
    expect(issuesOf({ id: 'x', name: 'X', agents: [{ ...agent, prompts: { user_template: 'x', sytem: 'typo' } }], steps: [{ agent: 'w' }], extra: 1 })).toEqual([
      { path: 'agents[0].prompts.sytem', message: 'unknown key' },
      { path: 'extra', message: 'unknown key' },
    ]);
    expect(issuesOf({ id: 'x', name: 'X', steps: [{ agent: 'w', retries: 3 }] })).toEqual([{ path: 'steps[0].retries', message: 'unknown key' }]);
  });

  test('missing and mistyped fields name their path', () => {
    expect(issuesOf({ name: 'X', agents: [{ id: 'w', model: 'm', prompts: {} }] })).toEqual([
      { path: 'id', message: 'required' },
      { path: 'agents[0].role', message: 'required' },
      { path: 'agents[0].prompts.user_template', message: 'required' },
    ]);
    const i = issuesOf({ id: 'Bad Id', name: 'X', agents: [{ ...agent, temperature: 5, output: 'xml' }] });
    expect(i.map((x) => x.path)).toEqual(['id', 'agents[0].temperature', 'agents[0].output']);
    expect(i[0]?.message).toMatch(/kebab-case or snake_case/);
  });

  test('rules and actions: the closest shape is reported', () => {
    const i = issuesOf({
      id: 'x',
      name: 'X',
      rules: { a: { equals: ['outputs.x'] }, b: { not: 5 }, c: { bogus: 1 }, d: { field_exists: 'a..b' } },
      transitions: [{ from: 's', to: 't', action: { agent: 'w', outputs: 'x' } }, { from: 's', to: 't', action: { parallel: [{ agent: 'a' }] } }, { from: 's', to: 't', action: { wait_signal: 'approval', timeout: '2 weeks' } }],
    });
    expect(i).toEqual([
      { path: 'rules.a.equals', message: expect.stringMatching(/expected array to have >=2 items/) },
      { path: 'rules.b.not', message: expect.stringMatching(/^expected a rule: a rule name/) },
      { path: 'rules.c', message: expect.stringMatching(/^expected a rule/) },
      { path: 'rules.d.field_exists', message: expect.stringMatching(/dotted path/) },
      { path: 'transitions[0].action.outputs', message: 'unknown key' },
      { path: 'transitions[1].action.parallel', message: expect.stringMatching(/>=2 items/) },
      { path: 'transitions[2].action.timeout', message: expect.stringMatching(/duration/) },
    ]);
  });

  test('the published JSON Schema is current and accepts every built-in definition', () => {
    const file = path.join(builtinDefinitionsDir(), DEFINITION_SCHEMA_FILE);
    expect(fs.readFileSync(file, 'utf8')).toBe(definitionSchemaText()); // else: npm run schema:definitions
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(definitionJsonSchema());
    const sources = readBuiltinSources();
    expect(sources.map((s) => path.basename(s.file))).toEqual(['content_pipeline.yaml', 'document_analysis.yaml', 'research_and_summarize.yaml']);
    for (const s of sources) expect({ file: s.file, ok: validate(s.source), errors: validate.errors ?? null }).toEqual({ file: s.file, ok: true, errors: null });
    expect(validate({ id: 'x', name: 'X', bogus: true })).toBe(false);
  });
});
