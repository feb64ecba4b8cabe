/**
 * Rule evaluation: pure and deterministic over pipeline data `{ input, outputs }` (workflow code runs it).
 * Operators: field_exists, equals, greater_than, less_than, contains, and, or, not, named rules (a string) and
 * `{ expr }` in the expression language of expression.ts. Comparison semantics are shared with expressions.
 */
import { resolvePath, type PipelineData } from './data-path';
import { compareOrder, containsValue, evaluateExpression, looseEquals, parseExpression, type Expr } from './expression';
import type { Rule } from './types';

export type { PipelineData } from './data-path';

/** A rule that cannot be evaluated: an unknown named rule, a cycle of named rules, or a malformed expression. */
export class RuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuleError';
  }
}

const exprCache = new Map<string, Expr>();

function parsed(src: string): Expr {
  let e = exprCache.get(src);
  if (!e) {
    try {
      e = parseExpression(src);
    } catch (err) {
      throw new RuleError(`expression "${src}": ${(err as Error).message}`);
    }
    if (exprCache.size > 500) exprCache.clear();
    exprCache.set(src, e);
  }
  return e;
}

/**
 * True when `rule` holds for `data`. Named rules are looked up in `named` (the definition's `rules`). Throws
 * RuleError only for a definition the compiler would have refused (unknown name, cycle, bad expression).
 */
export function evaluateRule(rule: Rule, data: PipelineData, named: Readonly<Record<string, Rule>> = {}, stack: readonly string[] = []): boolean {
  if (typeof rule === 'string') {
    if (stack.includes(rule)) throw new RuleError(`rule "${rule}" refers to itself (${[...stack, rule].join(' → ')})`);
    const target = Object.prototype.hasOwnProperty.call(named, rule) ? named[rule] : undefined;
    if (target === undefined) throw new RuleError(`unknown rule "${rule}"`);
    return evaluateRule(target, data, named, [...stack, rule]);
  }
  if ('field_exists' in rule) {
    const v = resolvePath(data, rule.field_exists);
    return v !== undefined && v !== null;
  }
  if ('equals' in rule) return looseEquals(resolvePath(data, rule.equals[0]), rule.equals[1]);
  if ('greater_than' in rule) return compareOrder(resolvePath(data, rule.greater_than[0]), rule.greater_than[1], '>');
  if ('less_than' in rule) return compareOrder(resolvePath(data, rule.less_than[0]), rule.less_than[1], '<');
  if ('contains' in rule) return containsValue(resolvePath(data, rule.contains[0]), rule.contains[1]);
  if ('and' in rule) return rule.and.every((r) => evaluateRule(r, data, named, stack));
  if ('or' in rule) return rule.or.some((r) => evaluateRule(r, data, named, stack));
  if ('not' in rule) return !evaluateRule(rule.not, data, named, stack);
  if ('expr' in rule) return evaluateExpression(parsed(rule.expr), data);
  throw new RuleError(`unknown rule shape ${JSON.stringify(rule)}`);
}

/** Every named rule a rule refers to (directly), for validation. */
export function referencedRuleNames(rule: Rule): string[] {
  if (typeof rule === 'string') return [rule];
  if ('and' in rule) return rule.and.flatMap(referencedRuleNames);
  if ('or' in rule) return rule.or.flatMap(referencedRuleNames);
  if ('not' in rule) return referencedRuleNames(rule.not);
  return [];
}

/** Every expression inside a rule, for validation. */
export function ruleExpressions(rule: Rule): string[] {
  if (typeof rule === 'string') return [];
  if ('expr' in rule) return [rule.expr];
  if ('and' in rule) return rule.and.flatMap(ruleExpressions);
  if ('or' in rule) return rule.or.flatMap(ruleExpressions);
  if ('not' in rule) return ruleExpressions(rule.not);
  return [];
}
