import { agentRequest, openAITools, toolInput } from '../../../activities/agent-call';
import type { AgentSpec, FunctionSpec } from '../../../pipelines/definition/types';

const agent: AgentSpec = { id: 'a', role: 'a', model: 'openai/gpt-4o-mini', prompts: { user_template: 'x' }, tools: ['lookup', 'plain'] };
const fns: FunctionSpec[] = [
  { id: 'lookup', uses: 'template', description: 'Looks up', parameters: { type: 'object', properties: { q: { type: 'string' } } } },
  { id: 'plain', uses: 'json_transform' },
];

test('tools: the function id is the name; parameters default to {type: object}; none → no tools field', () => {
  expect(openAITools(fns)).toEqual([
    { type: 'function', function: { name: 'lookup', description: 'Looks up', parameters: { type: 'object', properties: { q: { type: 'string' } } } } },
    { type: 'function', function: { name: 'plain', parameters: { type: 'object' } } },
  ]);
  expect(agentRequest(agent, [{ role: 'user', content: 'x' }], fns).tools).toHaveLength(2);
  expect(agentRequest(agent, [{ role: 'user', content: 'x' }])).not.toHaveProperty('tools');
});

test('tool input: the model arguments merge over the rendered `with`; bad arguments are an error for the model', () => {
  expect(toolInput({ expression: '1', q: 'default' }, '{"q":"x"}')).toEqual({ ok: true, input: { expression: '1', q: 'x' } });
  expect(toolInput({ expression: '1' }, '')).toEqual({ ok: true, input: { expression: '1' } });
  expect(toolInput({}, '[1]')).toEqual({ ok: false, error: 'the tool call arguments must be a JSON object' });
  expect(toolInput({}, '{nope')).toEqual({ ok: false, error: 'the tool call arguments are not valid JSON' });
});
