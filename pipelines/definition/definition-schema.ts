/**
 * The SOURCE format of pipeline definitions (YAML or JSON), as a strict zod schema: unknown keys are errors that
 * name their path. compile-definition.ts turns a parsed source into the PipelineDefinition of types.ts.
 *
 * Two forms, one model:
 * - full: `states` (list) + `initial` + `terminal` + `transitions` (`from` one or more states, `to`, optional
 *   `rules` guard, optional `action`: agent | function | parallel | wait_signal). From a state, the first
 *   transition (in file order) whose rules hold is taken.
 * - short: `steps: [{ agent: id } | { function: id }, …]`, each optionally gated by `rules` (all must hold, else
 *   the step is skipped).
 * Node-free (zod only). The published JSON Schema is `definitionJsonSchema()`.
 */
import { z } from 'zod';
import { DURATION_PATTERN } from '../../gateway/core/duration';
import { issuePath } from '../../gateway/core/zod-issues';
import { PATH_PATTERN } from './data-path';

/** Ids of agents, functions, states, rules and output keys: usable as path segments. */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Definition ids: kebab or snake case. */
export const DEFINITION_ID_PATTERN = /^[a-z][a-z0-9]*([_-][a-z0-9]+)*$/;
/** `30s`, `15m`, `24h`, `7d`, `500ms` — or a number of milliseconds. */

export const AGENT_STRATEGIES = ['best_available', 'cheapest', 'fastest', 'balanced'] as const;

/** An agent's `strategy` → the router's virtual model (the one table: the compiler stamps it into the agent's model). */
export const STRATEGY_MODELS: Readonly<Record<(typeof AGENT_STRATEGIES)[number], string>> = {
  best_available: 'auto',
  cheapest: 'cb:cost-optimal',
  fastest: 'cb:fastest',
  balanced: 'cb:balanced',
};

const name = z.string().regex(NAME_PATTERN, 'a name: letters, digits, _ and -, starting with a letter or _');
const path = z.string().regex(PATH_PATTERN, 'a dotted path such as outputs.reviewer.score or input.topic');
const jsonValue = z.json();
const jsonObject = z.record(z.string(), z.json());
const duration = z.union([z.int().positive(), z.string().regex(DURATION_PATTERN, 'a duration such as 30s, 15m, 24h, 7d')]);

export type JsonSource = z.infer<typeof jsonValue>;

export type RuleSource =
  | string
  | RuleSource[]
  | { field_exists: string }
  | { equals: [string, JsonSource] }
  | { greater_than: [string, number] }
  | { less_than: [string, number] }
  | { contains: [string, JsonSource] }
  | { and: RuleSource[] }
  | { or: RuleSource[] }
  | { not: RuleSource }
  | { expr: string };

export const ruleSourceSchema: z.ZodType<RuleSource> = z
  .lazy(() =>
    z.union(
      [
        name,
        z.array(ruleSourceSchema).min(1),
        z.strictObject({ field_exists: path }),
        z.strictObject({ equals: z.tuple([path, jsonValue]) }),
        z.strictObject({ greater_than: z.tuple([path, z.number()]) }),
        z.strictObject({ less_than: z.tuple([path, z.number()]) }),
        z.strictObject({ contains: z.tuple([path, jsonValue]) }),
        z.strictObject({ and: z.array(ruleSourceSchema).min(1) }),
        z.strictObject({ or: z.array(ruleSourceSchema).min(1) }),
        z.strictObject({ not: ruleSourceSchema }),
        z.strictObject({ expr: z.string().min(1).max(2000) }),
      ],
      { error: 'a rule: a rule name, a list of rules (all must hold), or one of field_exists, equals, greater_than, less_than, contains, and, or, not, expr' },
    ),
  )
  .meta({ id: 'Rule' });

const agentSchema = z
  .strictObject({
    id: name,
    role: z.string().min(1),
    provider: z.string().regex(/^[\w.-]+$/, 'a provider name such as openai').optional().describe('with model: provider openai + model gpt-4o → openai/gpt-4o'),
    model: z.string().min(1).optional().describe('a model name, a provider-qualified model (anthropic/claude-3-5-sonnet-latest) or a virtual model (auto)'),
    strategy: z.enum(AGENT_STRATEGIES).optional().describe('instead of a model: best_available → auto, cheapest → cb:cost-optimal, fastest → cb:fastest, balanced → cb:balanced'),
    prompts: z.strictObject({
      system: z.string().optional(),
      user_template: z.string().min(1).describe('{name}, {input.name}, {outputs.step.field}; {name?} is optional (empty when missing)'),
    }),
    temperature: z.number().min(0).max(2).optional(),
    max_tokens: z.int().positive().optional(),
    output: z.enum(['text', 'json']).optional().describe('json: the answer is parsed as a JSON object and stored as such'),
    tools: z.array(name).optional().describe('ids of functions (from `functions`) the model may call as tools during its turn'),
  })
  .meta({ id: 'Agent' });

const functionSchema = z
  .strictObject({
    id: name,
    uses: name.optional().describe('built-in (http_request, extract_text, json_transform, template) or a registered function; default: the id'),
    with: jsonObject.optional().describe('settings; string values may hold {variable} templates'),
    description: z.string().min(1).optional().describe('for the model, when an agent uses this function as a tool'),
    parameters: jsonObject.optional().describe('JSON Schema of the tool arguments the model gives (merged over `with`); default {type: object}'),
  })
  .meta({ id: 'Function' });

const output = name.optional().describe('data key of the result under outputs; default: the agent or function id');
const agentAction = { agent: name, output };
const functionAction = { function: name, output };
const parallelBranch = z.union([z.strictObject(agentAction), z.strictObject(functionAction)], { error: 'a branch: { agent } or { function }' });
const parallelAction = { parallel: z.array(parallelBranch).min(2) };
const waitAction = {
  wait_signal: name.describe('the signal name to wait for, e.g. approval'),
  timeout: duration.optional().describe('milliseconds, or 30s / 15m / 24h / 7d'),
  on_timeout: name.optional().describe('state to go to when the wait times out (default: the run fails)'),
  output,
};

const actionError = 'an action: { agent }, { function }, { parallel: [...] } or { wait_signal }';
export const actionSourceSchema = z
  .union([z.strictObject(agentAction), z.strictObject(functionAction), z.strictObject(parallelAction), z.strictObject(waitAction)], { error: actionError })
  .meta({ id: 'Action' });

const gate = { rules: ruleSourceSchema.optional() };
const stepSchema = z
  .union(
    [
      z.strictObject({ ...agentAction, ...gate }),
      z.strictObject({ ...functionAction, ...gate }),
      z.strictObject({ ...parallelAction, ...gate }),
      z.strictObject({ ...waitAction, ...gate }),
    ],
    { error: `a step: ${actionError.slice('an action: '.length)}, optionally with rules` },
  )
  .meta({ id: 'Step' });

const transitionSchema = z
  .strictObject({
    id: name.optional(),
    from: z.union([name, z.array(name).min(1)]),
    to: name,
    rules: ruleSourceSchema.optional(),
    action: actionSourceSchema.optional(),
  })
  .meta({ id: 'Transition' });

export const definitionSourceSchema = z
  .strictObject({
    $schema: z.string().optional(),
    id: z.string().regex(DEFINITION_ID_PATTERN, 'a kebab-case or snake_case id such as content_pipeline').max(100),
    version: z.int().positive().optional().describe('the store assigns versions: the next one when the content changed (at least this one)'),
    name: z.string().min(1).max(200),
    description: z.string().optional(),
    initialData: jsonObject.optional().describe('JSON Schema of the initial data (validated before a run starts)'),
    agents: z.array(agentSchema).default([]),
    functions: z.array(functionSchema).default([]),
    rules: z.record(name, ruleSourceSchema).default({}).describe('named rules, usable by name in transitions, steps and other rules'),
    states: z.array(name).min(2).optional().describe('full form: the places of the state machine'),
    initial: name.optional().describe('full form: the state a run starts in'),
    terminal: z.union([name, z.array(name).min(1)]).optional().describe('full form: the state(s) where a run completes'),
    transitions: z.array(transitionSchema).optional().describe('full form: from a state, the first transition (in order) whose rules hold is taken'),
    steps: z.array(stepSchema).min(1).optional().describe('short form (instead of states/transitions): steps run in order; a step whose rules do not all hold is skipped'),
    max_iterations: z.int().min(1).max(1000).optional().describe('a transition taken more often than this fails the run (ends review loops); default 10'),
    schedule: z.strictObject({ cron: z.string().min(1), initialData: jsonObject.optional() }).optional(),
  })
  .meta({ id: 'PipelineDefinitionSource', title: 'Circuit Breaker pipeline definition' });

export type DefinitionSource = z.output<typeof definitionSourceSchema>;
export type AgentSource = DefinitionSource['agents'][number];
export type ActionSource = z.output<typeof actionSourceSchema>;
export type StepSource = z.output<typeof stepSchema>;
export type TransitionSource = z.output<typeof transitionSchema>;

/** The JSON Schema of the source format (draft 2020-12), as published in workflows/definitions/definition.schema.json. */
export function definitionJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(definitionSourceSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

// ---- errors that name the field ----------------------------------------------------------------------------

export interface DefinitionIssue {
  /** `agents[0].prompts.user_template`; empty for the whole document. */
  path: string;
  message: string;
}


type ZodIssue = z.core.$ZodIssue;

/** How badly a union branch missed: a wrong type at its root is far; a missing or extra key is near. */
function distance(branch: readonly ZodIssue[]): number {
  let d = 0;
  for (const i of branch) {
    if (i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_union')) d += 10;
    else if (i.path.length === 0 && i.code === 'unrecognized_keys') d += i.keys.length;
    else d += 1;
  }
  return d;
}

function flatten(issue: ZodIssue, base: readonly PropertyKey[]): DefinitionIssue[] {
  const at = [...base, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const ds = issue.errors.map(distance);
    const best = Math.min(...ds);
    const winners = ds.filter((d) => d === best).length;
    const branch = issue.errors[ds.indexOf(best)];
    if (winners === 1 && best < 10 && branch) return branch.flatMap((i) => flatten(i, at));
    return [{ path: issuePath(at), message: `expected ${issue.message}` }];
  }
  if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => ({ path: issuePath([...at, k]), message: 'unknown key' }));
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return [{ path: issuePath(at), message: 'required' }];
  return [{ path: issuePath(at), message: issue.message }];
}

/** zod issues → one issue per field, the path written `agents[0].prompts.user_template`. */
export function formatSchemaIssues(issues: readonly ZodIssue[]): DefinitionIssue[] {
  return issues.flatMap((i) => flatten(i, []));
}

/** Parses a source definition (already read from YAML/JSON) or returns issues that name their fields. */
export function parseDefinitionSource(input: unknown): { ok: true; source: DefinitionSource } | { ok: false; issues: DefinitionIssue[] } {
  const r = definitionSourceSchema.safeParse(input);
  return r.success ? { ok: true, source: r.data } : { ok: false, issues: formatSchemaIssues(r.error.issues) };
}
