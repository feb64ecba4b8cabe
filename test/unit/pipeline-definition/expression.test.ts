import { evaluateExpression, expressionError, parseExpression } from '../../../pipelines/definition/expression';
import type { PipelineData } from '../../../pipelines/definition/data-path';

const data: PipelineData = {
  input: { topic: 'Temporal', tags: ['durable', 'workflows'], count: 3, nested: { deep: { x: 1 } } },
  outputs: {
    reviewer: { score: 8, approved: true, feedback: 'tighten the intro', quoted: '7' },
    fact_check: { passed: false, issues: [] },
    'fact-check': { passed: true },
    writer: 'A draft about Temporal workflows',
    topic: 'from outputs',
  },
};
const ev = (src: string): boolean => evaluateExpression(src, data);

describe('expression language', () => {
  test('literals, paths and comparisons', () => {
    expect(ev('outputs.reviewer.score >= 8')).toBe(true);
    expect(ev('outputs.reviewer.score > 8')).toBe(false);
    expect(ev('outputs.reviewer.score < 10 and outputs.reviewer.score <= 8')).toBe(true);
    expect(ev('outputs.reviewer.approved == true')).toBe(true);
    expect(ev('outputs.reviewer.approved != true')).toBe(false);
    expect(ev("input.topic == 'Temporal'")).toBe(true);
    expect(ev('input.topic == "Temporal"')).toBe(true);
    expect(ev('input.count == 3.0')).toBe(true);
    expect(ev('input.count > -1')).toBe(true);
    expect(ev('1e1 == 10')).toBe(true);
    expect(ev('null == null')).toBe(true);
  });

  test('bare names resolve in outputs first, then input', () => {
    expect(ev("topic == 'from outputs'")).toBe(true);
    expect(ev('count == 3')).toBe(true);
    expect(ev('reviewer.score == 8')).toBe(true);
    expect(ev('nested.deep.x == 1')).toBe(true);
  });

  test('and / or / not / parentheses and precedence', () => {
    expect(ev('not outputs.fact_check.passed')).toBe(true);
    expect(ev('!outputs.fact_check.passed && outputs.reviewer.approved')).toBe(true);
    expect(ev('outputs.fact_check.passed or outputs.reviewer.approved and false')).toBe(false);
    expect(ev('(outputs.fact_check.passed or outputs.reviewer.approved) and true')).toBe(true);
    expect(ev('not not true')).toBe(true);
    expect(ev('outputs.fact_check.passed || input.count == 3')).toBe(true);
  });

  test('contains on strings and arrays, exists()', () => {
    expect(ev("outputs.writer contains 'Temporal'")).toBe(true);
    expect(ev("outputs.writer contains 'Kafka'")).toBe(false);
    expect(ev("input.tags contains 'durable'")).toBe(true);
    expect(ev("input.tags contains 'fast'")).toBe(false);
    expect(ev("outputs.reviewer contains 'score'")).toBe(true);
    expect(ev('exists(outputs.reviewer.feedback)')).toBe(true);
    expect(ev('exists(outputs.editor)')).toBe(false);
    expect(ev('not exists(outputs.editor.text)')).toBe(true);
  });

  test('missing values: false in boolean context, null in comparisons, never an error', () => {
    expect(ev('outputs.nope.deeper.still')).toBe(false);
    expect(ev('outputs.nope == null')).toBe(true);
    expect(ev('outputs.nope > 1')).toBe(false);
    expect(ev('outputs.nope < 1')).toBe(false);
    expect(ev("outputs.nope contains 'x'")).toBe(false);
  });

  test('numeric strings compare as numbers; mixed types do not order', () => {
    expect(ev('outputs.reviewer.quoted == 7')).toBe(true);
    expect(ev('outputs.reviewer.quoted < 8')).toBe(true);
    expect(ev("outputs.reviewer.quoted == '7'")).toBe(true);
    expect(ev("input.topic > 5")).toBe(false);
    expect(ev("'b' > 'a'")).toBe(true);
  });

  test('hyphenated ids and array indices as path segments', () => {
    expect(ev('outputs.fact-check.passed')).toBe(true);
    expect(ev("input.tags.1 == 'workflows'")).toBe(true);
    expect(ev('input.tags.length == 2')).toBe(true);
  });

  test('safety: no prototype or global access', () => {
    for (const p of ['constructor', '__proto__', 'prototype', 'input.constructor', 'outputs.__proto__', 'input.topic.constructor', 'input.tags.constructor', 'outputs.reviewer.__proto__.toString', 'toString', 'input.hasOwnProperty', 'process', 'globalThis', 'input.topic.length']) {
      expect(ev(p)).toBe(false);
      expect(ev(`exists(${p})`)).toBe(false);
      expect(ev(`${p} == null`)).toBe(true);
    }
    expect(ev("outputs.reviewer contains 'constructor'")).toBe(false);
    expect(ev("outputs.reviewer contains '__proto__'")).toBe(false);
  });

  test('safety: JSON data with an own __proto__ key is not followed', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as PipelineData['input'];
    const d: PipelineData = { input: hostile, outputs: {} };
    expect(evaluateExpression('input.__proto__.polluted', d)).toBe(false);
    expect(evaluateExpression('input.ok == 1', d)).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('syntax errors name the position', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /empty/],
      ['a ==', /unexpected end/],
      ['a = 1', /use ==/],
      ['(a == 1', /expected "\)"/],
      ['a == 1)', /unexpected "\)"/],
      ["'unterminated", /unterminated string/],
      ['a.', /malformed path/],
      ['a..b', /malformed path/],
      ['1 < 2 < 3', /do not chain/],
      ['a == 1 b', /unexpected "b"/],
      ['exists(1)', /takes a path/],
      ['a + 1', /unexpected character "\+"/],
      ['and', /unexpected "and"/],
      ['a; process.exit()', /unexpected character ";"/],
      ['"\\q"', /unknown escape/],
    ];
    for (const [src, re] of cases) {
      expect(expressionError(src)).toMatch(re);
      expect(expressionError(src)).toMatch(/\(at \d+\)/);
    }
    expect(expressionError('outputs.reviewer.score >= 8 and not outputs.fact_check.failed')).toBeUndefined();
  });

  test('limits: length and nesting depth', () => {
    expect(expressionError(`a == '${'x'.repeat(2100)}'`)).toMatch(/longer than/);
    expect(expressionError(`${'('.repeat(60)}true${')'.repeat(60)}`)).toMatch(/nested too deeply/);
    expect(expressionError(`${'not '.repeat(60)}true`)).toMatch(/nested too deeply/);
    expect(expressionError(`${'('.repeat(20)}true${')'.repeat(20)}`)).toBeUndefined();
  });

  test('string escapes, keywords after a dot are path segments', () => {
    expect(evaluateExpression("x == 'it\\'s'", { input: { x: "it's" }, outputs: {} })).toBe(true);
    expect(evaluateExpression('x.not == 1 and x.and == 2', { input: { x: { not: 1, and: 2 } }, outputs: {} })).toBe(true);
    expect(parseExpression('a or b and c')).toEqual({ kind: 'or', left: { kind: 'path', path: 'a' }, right: { kind: 'and', left: { kind: 'path', path: 'b' }, right: { kind: 'path', path: 'c' } } });
  });
});
