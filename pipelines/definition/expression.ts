/**
 * The small safe expression language of rule conditions, written by hand (tokenizer + recursive descent) so no
 * `eval`/`Function` is involved and evaluation stays pure and deterministic (workflow code runs it).
 *
 *   expr    := or
 *   or      := and (('or' | '||') and)*
 *   and     := not (('and' | '&&') not)*
 *   not     := ('not' | '!') not | compare
 *   compare := primary (('==' | '!=' | '<' | '<=' | '>' | '>=' | 'contains') primary)?
 *   primary := number | -number | 'string' | "string" | true | false | null | path | exists(path) | '(' expr ')'
 *
 * Paths are dotted (`outputs.reviewer.score`, `input.topic`, bare `topic`: outputs first, then input) and see only
 * own properties of JSON data. A missing path is `null` in comparisons and false in boolean context.
 */
import { jsonEquals, PATH_PATTERN, resolvePath, type PipelineData } from './data-path';
import type { JsonValue } from './types';

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'contains';

export type Expr =
  | { kind: 'literal'; value: JsonValue }
  | { kind: 'path'; path: string }
  | { kind: 'exists'; path: string }
  | { kind: 'not'; operand: Expr }
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'compare'; op: CompareOp; left: Expr; right: Expr };

export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

export const MAX_EXPRESSION_LENGTH = 2000;
const MAX_DEPTH = 40;

type Token =
  | { t: 'num'; v: number; at: number }
  | { t: 'str'; v: string; at: number }
  | { t: 'word'; v: string; at: number }
  | { t: 'op'; v: string; at: number }
  | { t: 'end'; at: number };

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '-'];
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };

function readString(src: string, start: number): { value: string; end: number } {
  const quote = src[start];
  let out = '';
  let i = start + 1;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === quote) return { value: out, end: i + 1 };
    if (c === '\\') {
      const e = ESCAPES[src[i + 1] ?? ''];
      if (e === undefined) throw new ExpressionError(`unknown escape \\${src[i + 1] ?? ''}`, i);
      out += e;
      i += 2;
    } else {
      out += c;
      i += 1;
    }
  }
  throw new ExpressionError('unterminated string', start);
}

export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const rest = src.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const num = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(rest);
    if (num) {
      tokens.push({ t: 'num', v: Number(num[0]), at: i });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_][\w-]*(\.[\w-]+)*/.exec(rest);
    if (word) {
      if (/\.$/.test(word[0]) || rest[word[0].length] === '.') throw new ExpressionError(`malformed path "${word[0]}."`, i);
      tokens.push({ t: 'word', v: word[0], at: i });
      i += word[0].length;
      continue;
    }
    const c = src[i] as string;
    if (c === '"' || c === "'") {
      const s = readString(src, i);
      tokens.push({ t: 'str', v: s.value, at: i });
      i = s.end;
      continue;
    }
    const op = OPS.find((o) => rest.startsWith(o));
    if (!op) throw new ExpressionError(c === '=' ? 'use == to compare' : `unexpected character "${c}"`, i);
    tokens.push({ t: 'op', v: op, at: i });
    i += op.length;
  }
  tokens.push({ t: 'end', at: src.length });
  return tokens;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'contains', 'exists', 'true', 'false', 'null']);
const COMPARE: readonly string[] = ['==', '!=', '<', '<=', '>', '>='];

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i] ?? { t: 'end', at: 0 };
  }
  private next(): Token {
    const t = this.peek();
    this.i += 1;
    return t;
  }
  private isWord(v: string): boolean {
    const t = this.peek();
    return t.t === 'word' && t.v === v;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private expectOp(v: string): void {
    const t = this.next();
    if (t.t !== 'op' || t.v !== v) throw new ExpressionError(`expected "${v}"`, t.at);
  }

  parse(): Expr {
    const e = this.or();
    const t = this.peek();
    if (t.t !== 'end') throw new ExpressionError(`unexpected ${describe(t)}`, t.at);
    return e;
  }

  private nested<T>(fn: () => T): T {
    this.depth += 1;
    if (this.depth > MAX_DEPTH) throw new ExpressionError('expression nested too deeply', this.peek().at);
    try {
      return fn();
    } finally {
      this.depth -= 1;
    }
  }

  private or(): Expr {
    let left = this.and();
    while (this.isWord('or') || this.isOp('||')) {
      this.next();
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.isWord('and') || this.isOp('&&')) {
      this.next();
      left = { kind: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Expr {
    if (this.isWord('not') || this.isOp('!')) {
      this.next();
      return this.nested(() => ({ kind: 'not', operand: this.not() }));
    }
    return this.compare();
  }

  private compare(): Expr {
    const left = this.primary();
    const t = this.peek();
    const op = t.t === 'op' && COMPARE.includes(t.v) ? t.v : t.t === 'word' && t.v === 'contains' ? 'contains' : undefined;
    if (!op) return left;
    this.next();
    const right = this.primary();
    const after = this.peek();
    if ((after.t === 'op' && COMPARE.includes(after.v)) || (after.t === 'word' && after.v === 'contains')) {
      throw new ExpressionError('comparisons do not chain; combine them with and', after.at);
    }
    return { kind: 'compare', op: op as CompareOp, left, right };
  }

  private primary(): Expr {
    const t = this.next();
    if (t.t === 'num') return { kind: 'literal', value: t.v };
    if (t.t === 'str') return { kind: 'literal', value: t.v };
    if (t.t === 'op' && t.v === '-') {
      const n = this.next();
      if (n.t !== 'num') throw new ExpressionError('expected a number after "-"', n.at);
      return { kind: 'literal', value: -n.v };
    }
    if (t.t === 'op' && t.v === '(') {
      const e = this.nested(() => this.or());
      this.expectOp(')');
      return e;
    }
    if (t.t === 'word') {
      if (t.v === 'true' || t.v === 'false') return { kind: 'literal', value: t.v === 'true' };
      if (t.v === 'null') return { kind: 'literal', value: null };
      if (t.v === 'exists') {
        this.expectOp('(');
        const p = this.next();
        if (p.t !== 'word' || KEYWORDS.has(p.v)) throw new ExpressionError('exists() takes a path', p.at);
        this.expectOp(')');
        return { kind: 'exists', path: p.v };
      }
      if (KEYWORDS.has(t.v)) throw new ExpressionError(`unexpected "${t.v}"`, t.at);
      if (!PATH_PATTERN.test(t.v)) throw new ExpressionError(`malformed path "${t.v}"`, t.at);
      return { kind: 'path', path: t.v };
    }
    throw new ExpressionError(`unexpected ${describe(t)}`, t.at);
  }
}

function describe(t: Token): string {
  if (t.t === 'end') return 'end of expression';
  if (t.t === 'str') return 'string';
  return `"${String(t.v)}"`;
}

/** Parses an expression; throws ExpressionError (with the character position) when it is malformed. */
export function parseExpression(src: string): Expr {
  if (src.length > MAX_EXPRESSION_LENGTH) throw new ExpressionError(`expression longer than ${MAX_EXPRESSION_LENGTH} characters`, 0);
  if (src.trim() === '') throw new ExpressionError('empty expression', 0);
  return new Parser(tokenize(src)).parse();
}

/** `undefined` when the expression is well-formed, else the error message (with its position). */
export function expressionError(src: string): string | undefined {
  try {
    parseExpression(src);
    return undefined;
  } catch (err) {
    if (err instanceof ExpressionError) return `${err.message} (at ${err.position})`;
    throw err;
  }
}

// ---- values -------------------------------------------------------------------------------------------------

export function truthy(v: JsonValue | undefined): boolean {
  return !(v === undefined || v === null || v === false || v === 0 || v === '' || (typeof v === 'number' && Number.isNaN(v)));
}

/** Numbers, and strings that spell a number (LLM JSON often quotes scores). */
export function toNumber(v: JsonValue | undefined): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

/** Deep JSON equality; a missing value equals null; a number equals a string that spells it. */
export function looseEquals(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  const x = a === undefined ? null : a;
  const y = b === undefined ? null : b;
  if (jsonEquals(x, y)) return true;
  if (typeof x === 'number' || typeof y === 'number') {
    const nx = toNumber(x);
    const ny = toNumber(y);
    return nx !== undefined && ny !== undefined && nx === ny;
  }
  return false;
}

/** Ordering: numerically when both sides are numbers (or numeric strings), by code units when both are strings. */
export function compareOrder(a: JsonValue | undefined, b: JsonValue | undefined, op: '<' | '<=' | '>' | '>='): boolean {
  const na = toNumber(a);
  const nb = toNumber(b);
  let c: number;
  if (na !== undefined && nb !== undefined) c = na - nb;
  else if (typeof a === 'string' && typeof b === 'string') c = a < b ? -1 : a > b ? 1 : 0;
  else return false;
  return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
}

/** Strings: substring (needle stringified); arrays: an element equal to the needle; objects: an own key. */
export function containsValue(haystack: JsonValue | undefined, needle: JsonValue | undefined): boolean {
  if (needle === undefined) return false;
  if (typeof haystack === 'string') return needle !== null && typeof needle !== 'object' && haystack.includes(String(needle));
  if (Array.isArray(haystack)) return haystack.some((v) => looseEquals(v, needle));
  if (haystack !== null && typeof haystack === 'object' && typeof needle === 'string') {
    return Object.prototype.hasOwnProperty.call(haystack, needle) && !['__proto__', 'constructor', 'prototype'].includes(needle);
  }
  return false;
}

function value(e: Expr, data: PipelineData): JsonValue | undefined {
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'path':
      return resolvePath(data, e.path);
    case 'exists': {
      const v = resolvePath(data, e.path);
      return v !== undefined && v !== null;
    }
    case 'not':
      return !truthy(value(e.operand, data));
    case 'and':
      return truthy(value(e.left, data)) && truthy(value(e.right, data));
    case 'or':
      return truthy(value(e.left, data)) || truthy(value(e.right, data));
    case 'compare': {
      const l = value(e.left, data);
      const r = value(e.right, data);
      if (e.op === '==') return looseEquals(l, r);
      if (e.op === '!=') return !looseEquals(l, r);
      if (e.op === 'contains') return containsValue(l, r);
      return compareOrder(l, r, e.op);
    }
  }
}

/** Evaluates a parsed expression (or source text) against pipeline data; the result is its truthiness. */
export function evaluateExpression(expr: Expr | string, data: PipelineData): boolean {
  return truthy(value(typeof expr === 'string' ? parseExpression(expr) : expr, data));
}
