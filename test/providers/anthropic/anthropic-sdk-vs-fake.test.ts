import Anthropic from '@anthropic-ai/sdk';
import type { FakeServer } from '../../helpers/fake-server';
import { startAnthropicFake } from '../fakes/anthropic-fake';

/**
 * Keeps the fake honest: Anthropic's official SDK must accept what our fake sends (non-streaming, streaming with
 * tool use, and errors), so the adapter tests that run against the fake test the real wire format.
 */
let fake: FakeServer;
let client: Anthropic;

beforeAll(async () => {
  fake = await startAnthropicFake({ apiKeys: ['sk-ant-sdk'] });
  client = new Anthropic({ apiKey: 'sk-ant-sdk', baseURL: fake.url, maxRetries: 0 });
});
afterAll(() => fake.close());

test('messages.create parses the fake answer, usage included', async () => {
  fake.enqueue({ text: 'Hello from the fake', usage: { input: 12, output: 4 } });
  const m = await client.messages.create({ model: 'claude-3-5-sonnet-latest', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
  expect(m.type).toBe('message');
  expect(m.content[0]).toMatchObject({ type: 'text', text: 'Hello from the fake' });
  expect(m.stop_reason).toBe('end_turn');
  expect(m.usage.output_tokens).toBe(4);
});

test('messages.stream assembles text and parallel tool calls from the fake SSE', async () => {
  fake.enqueue({
    text: 'Checking both.',
    toolCalls: [
      { name: 'get_weather', arguments: { city: 'Paris' } },
      { name: 'get_time', arguments: { tz: 'Europe/Paris' } },
    ],
    finish: 'tool_calls',
  });
  const stream = client.messages.stream({
    model: 'claude-3-5-sonnet-latest',
    max_tokens: 64,
    tools: [
      { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
      { name: 'get_time', input_schema: { type: 'object', properties: { tz: { type: 'string' } } } },
    ],
    messages: [{ role: 'user', content: 'weather and time in Paris?' }],
  });
  const final = await stream.finalMessage();
  expect(final.stop_reason).toBe('tool_use');
  const tools = final.content.filter((b) => b.type === 'tool_use');
  expect(tools.map((b) => (b.type === 'tool_use' ? [b.name, b.input] : null))).toEqual([
    ['get_weather', { city: 'Paris' }],
    ['get_time', { tz: 'Europe/Paris' }],
  ]);
});

test('errors arrive as the SDK\'s typed errors', async () => {
  fake.enqueue({ error: { status: 529, message: 'Overloaded' } });
  const err = await client.messages.create({ model: 'claude-3-5-sonnet-latest', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Anthropic.APIError);
  expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
  const bad = new Anthropic({ apiKey: 'wrong', baseURL: fake.url, maxRetries: 0 });
  await expect(bad.messages.create({ model: 'claude-3-5-sonnet-latest', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
});
