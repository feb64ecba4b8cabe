import { renderTemplate, renderValue, templateErrors, templateVariables } from '../../../pipelines/definition/templates';
import type { PipelineData } from '../../../pipelines/definition/data-path';

const data: PipelineData = {
  input: { topic: 'Temporal', length: 800, audience: 'engineers', empty: null },
  outputs: { researcher: 'facts', reviewer: { score: 6, feedback: 'more examples' }, list: [1, 2] },
};

describe('templates', () => {
  test('renders bare, input and outputs paths; numbers; objects as JSON', () => {
    const r = renderTemplate('Write {length} words on "{topic}" for {input.audience}. Notes: {outputs.researcher}. Review: {outputs.reviewer}', data);
    expect(r.missing).toEqual([]);
    expect(r.text).toBe(`Write 800 words on "Temporal" for engineers. Notes: facts. Review: ${JSON.stringify(data.outputs.reviewer, null, 2)}`);
    expect(renderTemplate('{outputs.list}|{empty}|{outputs.reviewer.score}', data).text).toBe('[\n  1,\n  2\n]||6');
  });

  test('missing required variables are listed once; optional ones render empty', () => {
    const r = renderTemplate('{a} {outputs.editor} {a} {outputs.reviewer.feedback?} [{outputs.writer?}]', data);
    expect(r.missing).toEqual(['a', 'outputs.editor']);
    expect(r.text).toBe('   more examples []');
  });

  test('JSON examples and other braces stay literal', () => {
    const t = 'Answer {"score": 1-10, "approved": true} or { a, b } or {} — then {topic}';
    expect(renderTemplate(t, data).text).toBe('Answer {"score": 1-10, "approved": true} or { a, b } or {} — then Temporal');
    expect(templateErrors(t)).toEqual([]);
    expect(templateVariables(t)).toEqual([{ path: 'topic', optional: false, raw: '{topic}' }]);
  });

  test('malformed placeholders and double braces are reported', () => {
    expect(templateErrors('{a..b} {.x} {1x} {{topic}} {x?}')).toEqual([
      '{a..b}: malformed placeholder (expected {name}, {input.name}, {outputs.step.field} or {name?})',
      '{.x}: malformed placeholder (expected {name}, {input.name}, {outputs.step.field} or {name?})',
      '{1x}: malformed placeholder (expected {name}, {input.name}, {outputs.step.field} or {name?})',
      '{{topic}}: use single braces, {topic}',
    ]);
  });

  test('prototype paths do not resolve', () => {
    const r = renderTemplate('{constructor}{__proto__}{input.constructor.name}{outputs.list.constructor}', data);
    expect(r.missing).toEqual(['constructor', '__proto__', 'input.constructor.name', 'outputs.list.constructor']);
    expect(r.text).toBe('');
  });

  test('renderValue: whole-placeholder strings keep their type, others render as text', () => {
    const r = renderValue({ url: 'https://x.test/{topic}', body: '{outputs.reviewer}', n: 3, list: ['{outputs.list}', 'n={length}'], opt: '{input.none?}', req: '{input.none}' }, data);
    expect(r.value).toEqual({ url: 'https://x.test/Temporal', body: { score: 6, feedback: 'more examples' }, n: 3, list: [[1, 2], 'n=800'], opt: null, req: null });
    expect(r.missing).toEqual(['input.none']);
  });

  test('renderValue keeps a literal __proto__ key as data, without touching prototypes', () => {
    const hostile = JSON.parse('{"__proto__": {"x": "{topic}"}}') as Parameters<typeof renderValue>[0];
    const r = renderValue(hostile, data);
    expect(Object.getPrototypeOf(r.value)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(r.value, '__proto__')).toBe(true);
  });
});
