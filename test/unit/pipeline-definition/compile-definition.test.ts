import { parseDuration } from '../../../gateway/core/duration';
import { checkDefinition } from '../../../pipelines/definition/compile-definition';
import { InvalidDefinitionError } from '../../../pipelines/definition-text';
import { compileDefinition } from '../../helpers/compile-definition';
import { evaluateRule } from '../../../pipelines/definition/rules';

const agent = (id: string, extra: Record<string, unknown> = {}) => ({ id, role: id, model: 'gpt-4o', prompts: { user_template: `Do {topic}` }, ...extra });
const issuesOf = (input: unknown) => {
  const r = checkDefinition(input);
  if (r.ok) throw new Error('expected issues');
  return r.issues;
};

describe('compile: short form (steps)', () => {
  const src = {
    id: 'document_analysis',
    name: 'Doc',
    functions: [{ id: 'extract_text', with: { text: '{input.text}' } }],
    agents: [agent('analyse'), agent('fact_check', { output: 'json' }), agent('summary')],
    rules: { fact_check_passed: { equals: ['outputs.fact_check.passed', true] }, content_analyzed: { field_exists: 'outputs.analyse' } },
    steps: [{ function: 'extract_text' }, { agent: 'analyse' }, { agent: 'fact_check' }, { agent: 'summary', rules: ['fact_check_passed', 'content_analyzed'] }],
  };

  test('becomes step_0…step_n + done, gated steps get a skip transition', () => {
    const d = compileDefinition(src);
    expect(d.states).toEqual(['step_0', 'step_1', 'step_2', 'step_3', 'done']);
    expect(d.initial).toBe('step_0');
    expect(d.terminal).toEqual(['done']);
    expect(d.maxIterations).toBe(10);
    expect(d.version).toBe(1);
    expect(d.functions).toEqual([{ id: 'extract_text', uses: 'extract_text', with: { text: '{input.text}' } }]);
    const gate = { and: ['fact_check_passed', 'content_analyzed'] };
    expect(d.transitions).toEqual([
      { id: 'extract_text', from: ['step_0'], to: 'step_1', action: { type: 'function', function: 'extract_text' } },
      { id: 'analyse', from: ['step_1'], to: 'step_2', action: { type: 'agent', agent: 'analyse' } },
      { id: 'fact_check', from: ['step_2'], to: 'step_3', action: { type: 'agent', agent: 'fact_check' } },
      { id: 'summary', from: ['step_3'], to: 'done', rules: gate, action: { type: 'agent', agent: 'summary' } },
      { id: 'skip_summary', from: ['step_3'], to: 'done', rules: { not: gate } },
    ]);
    // exactly one of the two transitions out of step_3 applies, whatever the data
    const [run, skip] = d.transitions.slice(3);
    for (const passed of [true, false]) {
      const data = { input: {}, outputs: { analyse: 'x', fact_check: { passed } } };
      expect(evaluateRule(run!.rules!, data, d.rules)).toBe(passed);
      expect(evaluateRule(skip!.rules!, data, d.rules)).toBe(!passed);
    }
  });

  test('a single rule is not wrapped; the same agent twice gets distinct transition ids', () => {
    const d = compileDefinition({ ...src, steps: [{ agent: 'analyse', rules: ['content_analyzed'] }, { agent: 'analyse', output: 'second' }] });
    expect(d.transitions.map((t) => [t.id, t.rules])).toEqual([
      ['analyse', 'content_analyzed'],
      ['skip_analyse', { not: 'content_analyzed' }],
      ['analyse_2', undefined],
    ]);
  });

  test('wait_signal steps: on_timeout names a compiled state', () => {
    const d = compileDefinition({ ...src, steps: [{ agent: 'analyse' }, { wait_signal: 'approval', timeout: '1h', on_timeout: 'done' }, { agent: 'summary' }] });
    expect(d.transitions[1]).toEqual({ id: 'wait_approval', from: ['step_1'], to: 'step_2', action: { type: 'wait_signal', signal: 'approval', timeout_ms: 3_600_000, on_timeout: 'done' } });
    expect(issuesOf({ ...src, steps: [{ wait_signal: 'approval', timeout: 5000, on_timeout: 'later' }] })).toEqual([
      { path: 'steps[0].on_timeout', message: 'unknown state "later" (steps have states step_0, done)' },
    ]);
  });

  test('steps and states together are refused', () => {
    expect(issuesOf({ ...src, states: ['a', 'b'] })).toEqual([{ path: 'steps', message: expect.stringMatching(/either steps .* or states/) }]);
  });

  test('unknown agents, functions and rules in steps name the step', () => {
    expect(issuesOf({ ...src, steps: [{ agent: 'ghost' }, { function: 'nope' }, { agent: 'summary', rules: ['missing_rule'] }] })).toEqual([
      { path: 'steps[0].agent', message: 'unknown agent "ghost"' },
      { path: 'steps[1].function', message: 'unknown function "nope"' },
      { path: 'steps[2].rules', message: expect.stringMatching(/^unknown rule "missing_rule" \(defined: fact_check_passed, content_analyzed\)/) },
    ]);
  });
});

describe('compile: full form', () => {
  const loop = {
    id: 'content_pipeline',
    name: 'Content',
    max_iterations: 3,
    initialData: { type: 'object', properties: { topic: { type: 'string' } } },
    agents: [
      agent('writer', { prompts: { user_template: 'Write {topic}. Feedback: {outputs.reviewer.feedback?}' } }),
      agent('reviewer', { output: 'json', prompts: { user_template: 'Review {outputs.writer}. Answer {"score": 1, "approved": true}' } }),
      agent('editor', { prompts: { user_template: 'Edit {outputs.writer}' } }),
    ],
    rules: { approved: { expr: 'outputs.reviewer.approved == true' } },
    states: ['start', 'drafted', 'reviewed', 'done'],
    initial: 'start',
    terminal: 'done',
    transitions: [
      { from: 'start', to: 'drafted', action: { agent: 'writer' } },
      { id: 'review', from: 'drafted', to: 'reviewed', action: { agent: 'reviewer' } },
      { id: 'edit', from: 'reviewed', to: 'done', rules: 'approved', action: { agent: 'editor' } },
      { id: 'rewrite', from: 'reviewed', to: 'drafted', rules: { not: 'approved' }, action: { agent: 'writer' } },
    ],
  };

  test('cycles compile; generated ids; max_iterations', () => {
    const d = compileDefinition(loop, { version: 4 });
    expect(d.version).toBe(4);
    expect(d.maxIterations).toBe(3);
    expect(d.transitions.map((t) => `${t.id}:${t.from.join('+')}->${t.to}`)).toEqual(['start_to_drafted:start->drafted', 'review:drafted->reviewed', 'edit:reviewed->done', 'rewrite:reviewed->drafted']);
    expect(d.rules).toEqual({ approved: { expr: 'outputs.reviewer.approved == true' } });
    expect(d.initialData).toEqual(loop.initialData);
  });

  test('parallel fan-out and wait_signal with timeout', () => {
    const d = compileDefinition({
      ...loop,
      agents: [agent('writer'), agent('critic'), agent('editor', { prompts: { user_template: '{outputs.writer} {outputs.critique} {outputs.decision.comment?}' } })],
      states: ['start', 'drafted', 'approved', 'done', 'expired'],
      terminal: ['done', 'expired'],
      transitions: [
        { from: 'start', to: 'drafted', action: { parallel: [{ agent: 'writer' }, { agent: 'critic', output: 'critique' }] } },
        { id: 'approval', from: 'drafted', to: 'approved', action: { wait_signal: 'approval', timeout: '24h', on_timeout: 'expired', output: 'decision' } },
        { from: ['approved'], to: 'done', rules: { equals: ['outputs.decision.type', 'approve'] }, action: { agent: 'editor' } },
        { from: 'approved', to: 'start' },
      ],
    });
    expect(d.transitions[0]?.action).toEqual({ type: 'parallel', branches: [{ type: 'agent', agent: 'writer' }, { type: 'agent', agent: 'critic', output: 'critique' }] });
    expect(d.transitions[1]?.action).toEqual({ type: 'wait_signal', signal: 'approval', timeout_ms: 86_400_000, on_timeout: 'expired', output: 'decision' });
    expect(d.transitions[3]).toEqual({ id: 'approved_to_start', from: ['approved'], to: 'start' });
  });

  test('state machine errors name the field', () => {
    const issues = issuesOf({
      ...loop,
      agents: [...loop.agents, agent('a2')],
      states: ['start', 'drafted', 'reviewed', 'done', 'orphan', 'stuck', 'drafted'],
      initial: 'begin',
      terminal: ['done', 'nowhere'],
      transitions: [
        { from: 'start', to: 'drafted', action: { agent: 'writer' } },
        { id: 'review', from: ['drafted', 'ghost'], to: 'reviewed', action: { agent: 'reviewer' } },
        { id: 'review', from: 'reviewed', to: 'done', action: { parallel: [{ agent: 'writer' }, { agent: 'writer' }] } },
        { from: 'done', to: 'start' },
        { from: 'orphan', to: 'stuck2', action: { wait_signal: 'ok', on_timeout: 'x' } },
      ],
    });
    expect(issues).toEqual([
      { path: 'states[6]', message: 'duplicate state "drafted"' },
      { path: 'initial', message: 'unknown state "begin"' },
      { path: 'terminal[1]', message: 'unknown state "nowhere"' },
      { path: 'transitions[1].from[1]', message: 'unknown state "ghost"' },
      { path: 'transitions[2].id', message: 'duplicate transition id "review"' },
      { path: 'transitions[2].action.parallel[1]', message: 'two branches write outputs.writer; give one an output key' },
      { path: 'transitions[3].from', message: '"done" is terminal: no transition may leave it' },
      { path: 'transitions[4].to', message: 'unknown state "stuck2"' },
      { path: 'transitions[4].action.on_timeout', message: 'needs a timeout' },
      { path: 'transitions[4].action.on_timeout', message: 'unknown state "x"' },
      { path: 'states[5]', message: '"stuck" is not terminal and no transition leaves it' },
    ]);
  });

  test('unreachable states, initial = terminal, missing full-form keys', () => {
    expect(issuesOf({ ...loop, states: [...loop.states, 'island'], transitions: [...loop.transitions, { from: 'island', to: 'done' }] })).toEqual([
      { path: 'states[4]', message: '"island" cannot be reached from the initial state "start"' },
    ]);
    expect(issuesOf({ ...loop, terminal: ['start', 'done'] })).toContainEqual({ path: 'terminal[0]', message: 'the initial state "start" cannot be terminal' });
    const { states: _s, initial: _i, terminal: _t, transitions: _x, ...bare } = loop;
    expect(issuesOf(bare)).toEqual([
      { path: 'states', message: 'required (or give steps for the short form)' },
      { path: 'initial', message: 'required: the state a run starts in' },
      { path: 'terminal', message: 'required: at least one terminal state' },
      { path: 'transitions', message: 'required' },
    ]);
  });

  test('rules: unknown names, cycles, bad expressions', () => {
    expect(issuesOf({ ...loop, rules: { approved: { expr: 'outputs.reviewer.approved = true' }, a: ['b'], b: { or: ['a', 'zzz'] } } })).toEqual([
      { path: 'rules.approved', message: 'expression "outputs.reviewer.approved = true": use == to compare (at 26)' },
      { path: 'rules.b', message: expect.stringMatching(/^unknown rule "zzz"/) },
      { path: 'rules.a', message: 'rules refer to each other in a cycle: a → b → a' },
    ]);
  });

  test('templates: malformed placeholders and unknown references', () => {
    const bad = {
      ...loop,
      agents: [
        agent('writer', { prompts: { system: 'Be {mood}', user_template: 'Write {topic} {input.tone} {outputs.researcher} {a..b} {{topic}} {maybe?}' } }),
        ...loop.agents.slice(1),
      ],
    };
    expect(issuesOf(bad)).toEqual([
      { path: 'agents[0].prompts.system', message: '{mood}: neither a step output nor a property of initialData' },
      { path: 'agents[0].prompts.user_template', message: expect.stringMatching(/^\{a\.\.b\}: malformed placeholder/) },
      { path: 'agents[0].prompts.user_template', message: '{{topic}}: use single braces, {topic}' },
      { path: 'agents[0].prompts.user_template', message: '{input.tone}: initialData declares no property "tone"' },
      { path: 'agents[0].prompts.user_template', message: '{outputs.researcher}: no step writes outputs.researcher (outputs: writer, reviewer, editor)' },
    ]);
  });
});

describe('compile: agents', () => {
  const base = { id: 'p', name: 'P', steps: [{ agent: 'a' }] };
  const modelOf = (a: Record<string, unknown>) => compileDefinition({ ...base, agents: [{ id: 'a', role: 'r', prompts: { user_template: 'x' }, ...a }] }).agents[0];

  test('provider + model, model, strategies', () => {
    expect(modelOf({ provider: 'openai', model: 'gpt-4o' })?.model).toBe('openai/gpt-4o');
    expect(modelOf({ provider: 'openai', model: 'openai/gpt-4o' })?.model).toBe('openai/gpt-4o');
    expect(modelOf({ model: 'claude-3-5-sonnet-latest' })?.model).toBe('claude-3-5-sonnet-latest');
    expect(modelOf({ strategy: 'best_available' })).toMatchObject({ model: 'auto', strategy: 'best_available' });
    expect(modelOf({ strategy: 'cheapest' })?.model).toBe('cb:cost-optimal');
    expect(modelOf({ strategy: 'fastest' })?.model).toBe('cb:fastest');
    expect(modelOf({ strategy: 'balanced' })?.model).toBe('cb:balanced');
    expect(modelOf({ model: 'm', temperature: 0.2, max_tokens: 10, output: 'json', prompts: { system: 's', user_template: 'u' } })).toEqual({
      id: 'a', role: 'r', model: 'm', temperature: 0.2, max_tokens: 10, output: 'json', prompts: { system: 's', user_template: 'u' },
    });
  });

  test('model errors name the agent field', () => {
    const issues = (a: Record<string, unknown>) => issuesOf({ ...base, agents: [{ id: 'a', role: 'r', prompts: { user_template: 'x' }, ...a }] });
    expect(issues({})).toEqual([{ path: 'agents[0].model', message: 'required: a model (with an optional provider) or a strategy' }]);
    expect(issues({ provider: 'openai' })).toEqual([{ path: 'agents[0].model', message: 'required with provider "openai"' }]);
    expect(issues({ strategy: 'fastest', model: 'x' })).toEqual([{ path: 'agents[0].strategy', message: expect.stringMatching(/either a strategy or a model/) }]);
    expect(issuesOf({ ...base, agents: [agent('a'), agent('a')], functions: [{ id: 'a' }] })).toEqual([
      { path: 'agents[1].id', message: 'duplicate agent id "a"' },
      { path: 'functions[0].id', message: '"a" is also an agent id (their outputs would collide)' },
    ]);
  });

  test('an invalid definition throws an InvalidDefinitionError listing every issue', () => {
    expect(() => compileDefinition({ id: 'p', name: 'P', steps: [{ agent: 'x' }] })).toThrow(InvalidDefinitionError);
    expect(() => compileDefinition({ id: 'p', name: 'P', steps: [{ agent: 'x' }] })).toThrow('Invalid pipeline definition: steps[0].agent: unknown agent "x"');
  });

  test('schedule and durations', () => {
    const d = compileDefinition({ ...base, agents: [agent('a')], schedule: { cron: '0 9 * * 1-5', initialData: { topic: 'daily' } } });
    expect(d.schedule).toEqual({ cron: '0 9 * * 1-5', initialData: { topic: 'daily' } });
    expect(issuesOf({ ...base, agents: [agent('a')], schedule: { cron: 'daily' } })).toEqual([{ path: 'schedule.cron', message: expect.stringMatching(/cron expression/) }]);
    expect(compileDefinition({ ...base, agents: [agent('a')], schedule: { cron: '@every 1h' } }).schedule?.cron).toBe('@every 1h');
    // Never more often than once a minute: a caller must not start a run every second.
    for (const cron of ['@every 1s', '@every 59s', '@every 500ms', '* * * * * *', '*/10 * * * * *']) {
      expect(issuesOf({ ...base, agents: [agent('a')], schedule: { cron } })).toEqual([{ path: 'schedule.cron', message: expect.stringMatching(/more often than once every 60 s/) }]);
    }
    for (const cron of ['@every 1m', '@every 1h30m', '0 * * * * *', '* * * * *']) expect(compileDefinition({ ...base, agents: [agent('a')], schedule: { cron } }).schedule?.cron).toBe(cron);
    expect([parseDuration('500ms'), parseDuration('30s'), parseDuration('15m'), parseDuration('2h'), parseDuration('7d'), parseDuration(42)]).toEqual([500, 30_000, 900_000, 7_200_000, 604_800_000, 42]);
  });
});

describe('compile: agent tools', () => {
  const src = (tools: string[] | undefined, extra: Record<string, unknown> = {}) => ({
    id: 'tooled',
    name: 'Tooled',
    functions: [
      { id: 'lookup', uses: 'template', with: { template: 'found {q}' }, description: 'Looks a word up', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } },
      { id: 'plain', uses: 'json_transform', with: { expression: '1' } },
    ],
    agents: [agent('writer', tools === undefined ? {} : { tools })],
    steps: [{ agent: 'writer' }],
    ...extra,
  });

  test('tools, description and parameters compile through; no tools field → none', () => {
    const d = compileDefinition(src(['lookup', 'plain']));
    expect(d.agents[0]?.tools).toEqual(['lookup', 'plain']);
    expect(d.functions[0]).toEqual({ id: 'lookup', uses: 'template', with: { template: 'found {q}' }, description: 'Looks a word up', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } });
    expect(d.functions[1]).toEqual({ id: 'plain', uses: 'json_transform', with: { expression: '1' } });
    expect(compileDefinition(src(undefined)).agents[0]).not.toHaveProperty('tools');
    expect(compileDefinition(src([])).agents[0]).not.toHaveProperty('tools');
  });

  test('an unknown tool id is an error naming agents[i].tools[j]', () => {
    expect(issuesOf(src(['lookup', 'nope']))).toEqual([{ path: 'agents[0].tools[1]', message: 'unknown function "nope" (functions: lookup, plain)' }]);
    expect(() => compileDefinition(src(['nope']))).toThrow(InvalidDefinitionError);
    expect(issuesOf(src(['lookup', 'lookup']))).toEqual([{ path: 'agents[0].tools[1]', message: 'duplicate tool "lookup"' }]);
  });

  test('a tool id must be a name', () => {
    expect(issuesOf(src(['no spaces']))[0]?.path).toBe('agents[0].tools[0]');
  });
});
