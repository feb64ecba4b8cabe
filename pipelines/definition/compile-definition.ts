/**
 * Source definition (definition-schema.ts) → compiled PipelineDefinition (types.ts). Checks every reference
 * (agents, functions, rules, states, output keys in templates), the state machine (one initial state, at least
 * one terminal, every other state has a way out, every state reachable) and template syntax, with errors that
 * name the field. Node-free and pure: the API compiles, the workflow receives the result in its input.
 */
import { parseDuration } from '../../gateway/core/duration';
import { expressionError } from './expression';
import { parseDefinitionSource, type ActionSource, type DefinitionIssue, type DefinitionSource, type RuleSource, STRATEGY_MODELS } from './definition-schema';
import { referencedRuleNames } from './rules';
import { templateErrors, templateVariables } from './templates';
import type { Action, AgentSpec, FunctionSpec, JsonObject, JsonValue, PipelineDefinition, Rule, Transition } from './types';

export type { DefinitionIssue } from './definition-schema';

export const DEFAULT_MAX_ITERATIONS = 10;
/** The terminal state of a compiled short (`steps`) form. */
export const SHORT_FORM_DONE = 'done';

export type CompileResult = { ok: true; definition: PipelineDefinition; source: DefinitionSource } | { ok: false; issues: DefinitionIssue[] };

export interface CompileOptions {
  /** The version to stamp (the store's); default: the source's `version`, else 1. */
  version?: number;
}


/** Source rule → compiled rule: a list means all of them. */
export function toRule(r: RuleSource): Rule {
  if (typeof r === 'string') return r;
  if (Array.isArray(r)) return r.length === 1 && r[0] !== undefined ? toRule(r[0]) : { and: r.map(toRule) };
  if ('and' in r) return { and: r.and.map(toRule) };
  if ('or' in r) return { or: r.or.map(toRule) };
  if ('not' in r) return { not: toRule(r.not) };
  if ('equals' in r) return { equals: [r.equals[0], r.equals[1] as JsonValue] };
  if ('contains' in r) return { contains: [r.contains[0], r.contains[1] as JsonValue] };
  return r;
}

class Checker {
  readonly issues: DefinitionIssue[] = [];
  add(path: string, message: string): void {
    this.issues.push({ path, message });
  }
}

function compileAgents(src: DefinitionSource, c: Checker): AgentSpec[] {
  const seen = new Set<string>();
  return src.agents.map((a, i) => {
    const at = `agents[${i}]`;
    if (seen.has(a.id)) c.add(`${at}.id`, `duplicate agent id "${a.id}"`);
    seen.add(a.id);
    let model = a.model ?? '';
    if (a.strategy !== undefined) {
      if (a.model !== undefined || a.provider !== undefined) c.add(`${at}.strategy`, 'give either a strategy or a model (with an optional provider), not both');
      model = STRATEGY_MODELS[a.strategy];
    } else if (a.model !== undefined) {
      if (a.provider !== undefined && !a.model.startsWith(`${a.provider}/`)) model = `${a.provider}/${a.model}`;
    } else {
      c.add(`${at}.model`, a.provider !== undefined ? `required with provider "${a.provider}"` : 'required: a model (with an optional provider) or a strategy');
    }
    const spec: AgentSpec = { id: a.id, role: a.role, model, prompts: { user_template: a.prompts.user_template } };
    if (a.prompts.system !== undefined) spec.prompts.system = a.prompts.system;
    if (a.strategy !== undefined) spec.strategy = a.strategy;
    if (a.temperature !== undefined) spec.temperature = a.temperature;
    if (a.max_tokens !== undefined) spec.max_tokens = a.max_tokens;
    if (a.output !== undefined) spec.output = a.output;
    if (a.tools !== undefined && a.tools.length > 0) spec.tools = [...a.tools];
    return spec;
  });
}

function compileFunctions(src: DefinitionSource, c: Checker): FunctionSpec[] {
  const seen = new Set<string>();
  const agentIds = new Set(src.agents.map((a) => a.id));
  return src.functions.map((f, i) => {
    if (seen.has(f.id)) c.add(`functions[${i}].id`, `duplicate function id "${f.id}"`);
    if (agentIds.has(f.id)) c.add(`functions[${i}].id`, `"${f.id}" is also an agent id (their outputs would collide)`);
    seen.add(f.id);
    const spec: FunctionSpec = { id: f.id, uses: f.uses ?? f.id };
    if (f.with !== undefined) spec.with = f.with as JsonObject;
    if (f.description !== undefined) spec.description = f.description;
    if (f.parameters !== undefined) spec.parameters = f.parameters as JsonObject;
    return spec;
  });
}

/** Every `agents[i].tools[j]` names a function of the definition, at most once per agent. */
function checkAgentTools(src: DefinitionSource, functions: ReadonlySet<string>, c: Checker): void {
  src.agents.forEach((a, i) => {
    (a.tools ?? []).forEach((t, j) => {
      const at = `agents[${i}].tools[${j}]`;
      if (!functions.has(t)) c.add(at, `unknown function "${t}"${functions.size ? ` (functions: ${[...functions].join(', ')})` : ' (the definition declares no functions)'}`);
      else if (a.tools?.indexOf(t) !== j) c.add(at, `duplicate tool "${t}"`);
      else if (t.length > 64) c.add(at, `"${t}": a tool name (the function id) has at most 64 characters`);
    });
  });
}

function checkRule(rule: Rule, at: string, named: Record<string, Rule>, c: Checker): void {
  for (const n of referencedRuleNames(rule)) {
    if (!Object.prototype.hasOwnProperty.call(named, n)) c.add(at, `unknown rule "${n}"${Object.keys(named).length ? ` (defined: ${Object.keys(named).join(', ')})` : ''}`);
  }
  const walk = (r: Rule): void => {
    if (typeof r === 'string') return;
    if ('expr' in r) {
      const e = expressionError(r.expr);
      if (e) c.add(at, `expression "${r.expr}": ${e}`);
    } else if ('and' in r) r.and.forEach(walk);
    else if ('or' in r) r.or.forEach(walk);
    else if ('not' in r) walk(r.not);
  };
  walk(rule);
}

function compileRules(src: DefinitionSource, c: Checker): Record<string, Rule> {
  const named: Record<string, Rule> = {};
  for (const [k, v] of Object.entries(src.rules)) Object.defineProperty(named, k, { value: toRule(v), enumerable: true, writable: true, configurable: true });
  for (const [k, v] of Object.entries(named)) checkRule(v, `rules.${k}`, named, c);
  // cycles among named rules
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (n: string, trail: string[]): void => {
    if (state.get(n) === 'done' || !Object.prototype.hasOwnProperty.call(named, n)) return;
    if (state.get(n) === 'visiting') {
      c.add(`rules.${n}`, `rules refer to each other in a cycle: ${[...trail.slice(trail.indexOf(n)), n].join(' → ')}`);
      return;
    }
    state.set(n, 'visiting');
    for (const m of referencedRuleNames(named[n] as Rule)) visit(m, [...trail, n]);
    state.set(n, 'done');
  };
  for (const n of Object.keys(named)) visit(n, []);
  return named;
}

interface Refs {
  agents: Set<string>;
  functions: Set<string>;
  c: Checker;
}

function compileAction(a: ActionSource, at: string, refs: Refs): Action {
  if ('agent' in a) {
    if (!refs.agents.has(a.agent)) refs.c.add(`${at}.agent`, `unknown agent "${a.agent}"`);
    return a.output !== undefined ? { type: 'agent', agent: a.agent, output: a.output } : { type: 'agent', agent: a.agent };
  }
  if ('function' in a) {
    if (!refs.functions.has(a.function)) refs.c.add(`${at}.function`, `unknown function "${a.function}"`);
    return a.output !== undefined ? { type: 'function', function: a.function, output: a.output } : { type: 'function', function: a.function };
  }
  if ('parallel' in a) {
    const branches = a.parallel.map((b, i) => compileAction(b, `${at}.parallel[${i}]`, refs) as Extract<Action, { type: 'agent' | 'function' }>);
    const keys = branches.map(outputKey);
    keys.forEach((k, i) => {
      if (keys.indexOf(k) !== i) refs.c.add(`${at}.parallel[${i}]`, `two branches write outputs.${k}; give one an output key`);
    });
    return { type: 'parallel', branches };
  }
  const w: Extract<Action, { type: 'wait_signal' }> = { type: 'wait_signal', signal: a.wait_signal };
  if (a.timeout !== undefined) w.timeout_ms = parseDuration(a.timeout);
  if (a.on_timeout !== undefined) {
    if (a.timeout === undefined) refs.c.add(`${at}.on_timeout`, 'needs a timeout');
    w.on_timeout = a.on_timeout;
  }
  if (a.output !== undefined) w.output = a.output;
  return w;
}

/** The data key an action writes under `outputs` (parallel: none of its own). */
export function outputKey(a: Action): string {
  if (a.type === 'agent') return a.output ?? a.agent;
  if (a.type === 'function') return a.output ?? a.function;
  if (a.type === 'wait_signal') return a.output ?? a.signal;
  return '';
}

function uniqueId(base: string, taken: Set<string>): string {
  let id = base;
  for (let n = 2; taken.has(id); n += 1) id = `${base}_${n}`;
  taken.add(id);
  return id;
}

function actionName(a: ActionSource): string {
  if ('agent' in a) return a.agent;
  if ('function' in a) return a.function;
  if ('parallel' in a) return 'parallel';
  return `wait_${a.wait_signal}`;
}

interface Machine {
  states: string[];
  initial: string;
  terminal: string[];
  transitions: Transition[];
}

function compileShortForm(steps: NonNullable<DefinitionSource['steps']>, refs: Refs): Machine {
  const states = [...steps.map((_, i) => `step_${i}`), SHORT_FORM_DONE];
  const taken = new Set<string>();
  const transitions: Transition[] = [];
  steps.forEach((step, i) => {
    const from = [states[i] as string];
    const to = states[i + 1] as string;
    const { rules, ...action } = step;
    const id = uniqueId(actionName(action), taken);
    const t: Transition = { id, from, to, action: compileAction(action, `steps[${i}]`, refs) };
    if (t.action?.type === 'wait_signal' && t.action.on_timeout !== undefined && !states.includes(t.action.on_timeout)) {
      refs.c.add(`steps[${i}].on_timeout`, `unknown state "${t.action.on_timeout}" (steps have states ${states.join(', ')})`);
    }
    if (rules === undefined) {
      transitions.push(t);
      return;
    }
    const guard = toRule(rules);
    transitions.push({ ...t, rules: guard }, { id: uniqueId(`skip_${id}`, taken), from, to, rules: { not: guard } });
  });
  return { states, initial: 'step_0', terminal: [SHORT_FORM_DONE], transitions };
}

function compileFullForm(src: DefinitionSource, refs: Refs): Machine | undefined {
  const { c } = refs;
  if (!src.states) c.add('states', 'required (or give steps for the short form)');
  if (!src.initial) c.add('initial', 'required: the state a run starts in');
  if (!src.terminal) c.add('terminal', 'required: at least one terminal state');
  if (!src.transitions) c.add('transitions', 'required');
  if (!src.states || !src.initial || !src.terminal || !src.transitions) return undefined;
  const states = src.states;
  const known = new Set<string>();
  states.forEach((s, i) => {
    if (known.has(s)) c.add(`states[${i}]`, `duplicate state "${s}"`);
    known.add(s);
  });
  const terminal = typeof src.terminal === 'string' ? [src.terminal] : src.terminal;
  const terminalPath = (i: number): string => (typeof src.terminal === 'string' ? 'terminal' : `terminal[${i}]`);
  if (!known.has(src.initial)) c.add('initial', `unknown state "${src.initial}"`);
  terminal.forEach((t, i) => {
    if (!known.has(t)) c.add(terminalPath(i), `unknown state "${t}"`);
    if (t === src.initial) c.add(terminalPath(i), `the initial state "${t}" cannot be terminal`);
  });
  const taken = new Set(src.transitions.flatMap((t) => (t.id ? [t.id] : [])));
  const explicit = new Set<string>();
  const transitions = src.transitions.map((t, i): Transition => {
    const at = `transitions[${i}]`;
    const from = typeof t.from === 'string' ? [t.from] : t.from;
    from.forEach((f, j) => {
      const fp = typeof t.from === 'string' ? `${at}.from` : `${at}.from[${j}]`;
      if (!known.has(f)) c.add(fp, `unknown state "${f}"`);
      else if (terminal.includes(f)) c.add(fp, `"${f}" is terminal: no transition may leave it`);
    });
    if (!known.has(t.to)) c.add(`${at}.to`, `unknown state "${t.to}"`);
    if (t.id !== undefined) {
      if (explicit.has(t.id)) c.add(`${at}.id`, `duplicate transition id "${t.id}"`);
      explicit.add(t.id);
    }
    const out: Transition = { id: t.id ?? uniqueId(`${from.join('_')}_to_${t.to}`, taken), from, to: t.to };
    if (t.rules !== undefined) out.rules = toRule(t.rules);
    if (t.action !== undefined) {
      out.action = compileAction(t.action, `${at}.action`, refs);
      if (out.action.type === 'wait_signal' && out.action.on_timeout !== undefined && !known.has(out.action.on_timeout)) {
        c.add(`${at}.action.on_timeout`, `unknown state "${out.action.on_timeout}"`);
      }
    }
    return out;
  });
  states.forEach((s, i) => {
    if (!terminal.includes(s) && !transitions.some((t) => t.from.includes(s))) c.add(`states[${i}]`, `"${s}" is not terminal and no transition leaves it`);
  });
  const initial = src.initial;
  const reached = new Set<string>([initial]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of transitions) {
      if (!t.from.some((f) => reached.has(f))) continue;
      const targets = [t.to, ...(t.action?.type === 'wait_signal' && t.action.on_timeout ? [t.action.on_timeout] : [])];
      for (const x of targets) {
        if (reached.has(x)) continue;
        reached.add(x);
        grew = true;
      }
    }
  }
  states.forEach((s, i) => {
    if (known.has(initial) && !reached.has(s)) c.add(`states[${i}]`, `"${s}" cannot be reached from the initial state "${initial}"`);
  });
  return { states, initial, terminal, transitions };
}

function declaredInputs(schema: JsonObject | undefined): Set<string> | undefined {
  const props = schema?.properties;
  return props && typeof props === 'object' && !Array.isArray(props) ? new Set(Object.keys(props)) : undefined;
}

function checkTemplate(template: string, at: string, outputs: Set<string>, inputs: Set<string> | undefined, c: Checker): void {
  for (const e of templateErrors(template)) c.add(at, e);
  for (const v of templateVariables(template)) {
    const [head, second] = v.path.split('.');
    if (head === 'outputs') {
      if (second !== undefined && !outputs.has(second)) c.add(at, `${v.raw}: no step writes outputs.${second} (outputs: ${[...outputs].join(', ') || 'none'})`);
    } else if (head === 'input') {
      if (!v.optional && second !== undefined && inputs && !inputs.has(second)) c.add(at, `${v.raw}: initialData declares no property "${second}"`);
    } else if (!v.optional && head !== undefined && inputs !== undefined && !inputs.has(head) && !outputs.has(head)) {
      c.add(at, `${v.raw}: neither a step output nor a property of initialData`);
    }
  }
}

function checkTemplates(src: DefinitionSource, transitions: Transition[], c: Checker): void {
  const outputs = new Set<string>();
  for (const t of transitions) {
    if (!t.action) continue;
    if (t.action.type === 'parallel') t.action.branches.forEach((b) => outputs.add(outputKey(b)));
    else outputs.add(outputKey(t.action));
  }
  const inputs = declaredInputs(src.initialData as JsonObject | undefined);
  src.agents.forEach((a, i) => {
    if (a.prompts.system !== undefined) checkTemplate(a.prompts.system, `agents[${i}].prompts.system`, outputs, inputs, c);
    checkTemplate(a.prompts.user_template, `agents[${i}].prompts.user_template`, outputs, inputs, c);
  });
  src.functions.forEach((f, i) => {
    const walk = (v: unknown, at: string): void => {
      if (typeof v === 'string') checkTemplate(v, at, outputs, inputs, c);
      else if (Array.isArray(v)) v.forEach((x, j) => walk(x, `${at}[${j}]`));
      else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`);
    };
    if (f.with !== undefined) walk(f.with, `functions[${i}].with`);
  });
}

/** Validates and compiles a parsed source definition (from YAML or JSON); never throws for bad input. */
export function checkDefinition(input: unknown, opts: CompileOptions = {}): CompileResult {
  const parsed = parseDefinitionSource(input);
  if (!parsed.ok) return parsed;
  const src = parsed.source;
  const c = new Checker();
  const agents = compileAgents(src, c);
  const functions = compileFunctions(src, c);
  const rules = compileRules(src, c);
  const refs: Refs = { agents: new Set(agents.map((a) => a.id)), functions: new Set(functions.map((f) => f.id)), c };
  checkAgentTools(src, refs.functions, c);
  const fullKeys = (['states', 'initial', 'terminal', 'transitions'] as const).filter((k) => src[k] !== undefined);
  let machine: Machine | undefined;
  if (src.steps && fullKeys.length > 0) c.add('steps', `give either steps (short form) or states/initial/terminal/transitions (full form), not both (found ${fullKeys.join(', ')})`);
  else if (src.steps) machine = compileShortForm(src.steps, refs);
  else machine = compileFullForm(src, refs);
  if (machine) {
    if (src.steps) src.steps.forEach((s, i) => s.rules !== undefined && checkRule(toRule(s.rules), `steps[${i}].rules`, rules, c));
    else machine.transitions.forEach((t, i) => t.rules !== undefined && checkRule(t.rules, `transitions[${i}].rules`, rules, c));
    checkTemplates(src, machine.transitions, c);
  }
  if (src.schedule && !/^(@\w+(\s+\S+)?|(\S+\s+){4,6}\S+)$/.test(src.schedule.cron.trim())) c.add('schedule.cron', 'a cron expression with 5 to 7 fields, or @daily / @hourly / @every 1h');
  else if (src.schedule && runsMoreThanOncePerMinute(src.schedule.cron)) c.add('schedule.cron', `runs more often than once every ${MIN_SCHEDULE_INTERVAL_MS / 1000} s (the shortest schedule interval)`);
  if (c.issues.length > 0 || !machine) return { ok: false, issues: c.issues };
  const definition: PipelineDefinition = {
    id: src.id,
    version: opts.version ?? src.version ?? 1,
    name: src.name,
    agents,
    functions,
    rules,
    ...machine,
    maxIterations: src.max_iterations ?? DEFAULT_MAX_ITERATIONS,
  };
  if (src.description !== undefined) definition.description = src.description;
  if (src.initialData !== undefined) definition.initialData = src.initialData as JsonObject;
  if (src.schedule !== undefined) {
    definition.schedule = { cron: src.schedule.cron };
    if (src.schedule.initialData !== undefined) definition.schedule.initialData = src.schedule.initialData as JsonObject;
  }
  return { ok: true, definition, source: src };
}

/** The shortest interval a definition's schedule may have: a caller must not be able to start a run every second. */
export const MIN_SCHEDULE_INTERVAL_MS = 60_000;

/** `@every 10s`, or a cron whose seconds field (6 or 7 fields) fires more than once a minute. */
function runsMoreThanOncePerMinute(cron: string): boolean {
  const text = cron.trim();
  const every = /^@every\s+(\S+)$/i.exec(text)?.[1];
  if (every !== undefined) {
    let ms = 0;
    for (const m of every.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|h|m|s)/g)) ms += Number(m[1]) * ({ ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const)[m[2] as 'ns' | 'us' | 'µs' | 'ms' | 's' | 'm' | 'h'];
    return ms < MIN_SCHEDULE_INTERVAL_MS;
  }
  const fields = text.split(/\s+/);
  return fields.length >= 6 && !/^\d+$/.test(fields[0] ?? '');
}
