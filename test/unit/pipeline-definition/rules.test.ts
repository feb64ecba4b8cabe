import { evaluateRule, RuleError } from '../../../pipelines/definition/rules';
import type { PipelineData } from '../../../pipelines/definition/data-path';
import type { Rule } from '../../../pipelines/definition/types';

const data: PipelineData = {
  input: { topic: 'Durable execution', tags: ['a', 'b'], audience: 'developers', flag: null },
  outputs: { reviewer: { score: 7, approved: false, notes: ['too long'] }, fact_check: { passed: true }, analyse: 'The document argues…', empty: '' },
};
const named: Record<string, Rule> = {
  fact_check_passed: { equals: ['outputs.fact_check.passed', true] },
  content_analyzed: { field_exists: 'outputs.analyse' },
  good_review: { expr: 'outputs.reviewer.score >= 8 or outputs.reviewer.approved' },
  ready: { and: ['fact_check_passed', 'content_analyzed'] },
  loop_a: 'loop_b',
  loop_b: { not: 'loop_a' },
};
const ok = (r: Rule): boolean => evaluateRule(r, data, named);

describe('rules', () => {
  test('field_exists: present (even empty string), not missing or null', () => {
    expect(ok({ field_exists: 'outputs.analyse' })).toBe(true);
    expect(ok({ field_exists: 'outputs.empty' })).toBe(true);
    expect(ok({ field_exists: 'outputs.summary' })).toBe(false);
    expect(ok({ field_exists: 'input.flag' })).toBe(false);
    expect(ok({ field_exists: 'topic' })).toBe(true);
  });

  test('equals: deep, numeric strings, missing = null', () => {
    expect(ok({ equals: ['outputs.fact_check.passed', true] })).toBe(true);
    expect(ok({ equals: ['outputs.reviewer.notes', ['too long']] })).toBe(true);
    expect(ok({ equals: ['outputs.reviewer', { notes: ['too long'], approved: false, score: 7 }] })).toBe(true);
    expect(ok({ equals: ['outputs.reviewer.score', '7'] })).toBe(true);
    expect(ok({ equals: ['outputs.reviewer.score', 8] })).toBe(false);
    expect(ok({ equals: ['outputs.summary', null] })).toBe(true);
  });

  test('greater_than / less_than', () => {
    expect(ok({ greater_than: ['outputs.reviewer.score', 6] })).toBe(true);
    expect(ok({ greater_than: ['outputs.reviewer.score', 7] })).toBe(false);
    expect(ok({ less_than: ['outputs.reviewer.score', 8] })).toBe(true);
    expect(ok({ less_than: ['outputs.missing', 8] })).toBe(false);
    expect(ok({ greater_than: ['input.topic', 1] })).toBe(false);
  });

  test('contains: strings and arrays', () => {
    expect(ok({ contains: ['input.topic', 'Durable'] })).toBe(true);
    expect(ok({ contains: ['input.topic', 'durable'] })).toBe(false);
    expect(ok({ contains: ['input.tags', 'b'] })).toBe(true);
    expect(ok({ contains: ['input.tags', 'c'] })).toBe(false);
    expect(ok({ contains: ['outputs.reviewer.notes', 'too long'] })).toBe(true);
    expect(ok({ contains: ['outputs.missing', 'x'] })).toBe(false);
  });

  test('and / or / not / named / expr', () => {
    expect(ok('fact_check_passed')).toBe(true);
    expect(ok('ready')).toBe(true);
    expect(ok({ not: 'good_review' })).toBe(true);
    expect(ok({ or: ['good_review', { field_exists: 'outputs.analyse' }] })).toBe(true);
    expect(ok({ and: ['ready', 'good_review'] })).toBe(false);
    expect(ok({ expr: "input.audience == 'developers' and exists(outputs.analyse)" })).toBe(true);
  });

  test('deterministic: same input, same answer; data is not mutated', () => {
    const before = JSON.stringify(data);
    const results = Array.from({ length: 5 }, () => ok({ or: ['ready', { expr: 'outputs.reviewer.score > 5' }] }));
    expect(new Set(results).size).toBe(1);
    expect(JSON.stringify(data)).toBe(before);
  });

  test('prototype paths resolve to undefined', () => {
    for (const p of ['constructor', '__proto__', 'input.__proto__', 'outputs.reviewer.constructor', 'outputs.reviewer.notes.constructor']) {
      expect(ok({ field_exists: p })).toBe(false);
      expect(ok({ equals: [p, null] })).toBe(true);
    }
  });

  test('unknown names, cycles and bad expressions are RuleErrors ', () => {
    expect(() => ok('nope')).toThrow(RuleError);
    expect(() => ok('loop_a')).toThrow(/refers to itself/);
    expect(() => ok({ expr: 'a ==' })).toThrow(/expression "a =="/);
    expect(() => ok('toString')).toThrow(/unknown rule "toString"/);
    expect(() => evaluateRule('nope', data, named)).toThrow(new RuleError('unknown rule "nope"'));
    expect(evaluateRule('ready', data, named)).toBe(true);
  });
});
