import type { FakeServer } from '../../helpers/fake-server';
import { startAnthropicFake } from '../fakes/anthropic-fake';

/** The fake must be as strict as the real API, or adapter tests prove nothing. */
let fake: FakeServer;
beforeAll(async () => {
  fake = await startAnthropicFake({ apiKeys: ['sk-ant-good'] });
});
afterAll(() => fake.close());

const HEADERS = { 'content-type': 'application/json', 'x-api-key': 'sk-ant-good', 'anthropic-version': '2023-06-01' };
const VALID = { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] };

type FakeBody = { id?: string; error?: { message?: string; type?: string } } & Record<string, unknown>;

async function post(body: unknown, headers: Record<string, string> = HEADERS): Promise<{ status: number; body: FakeBody; text: string }> {
  const res = await fetch(`${fake.url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: (parsed ?? {}) as FakeBody, text };
}

function expectError(r: { status: number; body: FakeBody }, status: number, type: string, message: RegExp): void {
  expect(r.status).toBe(status);
  expect(r.body).toMatchObject({ type: 'error', error: { type } });
  expect(r.body.error?.message).toMatch(message);
}

describe('anthropic fake: strict validation', () => {
  it('accepts a valid request and answers in Anthropic message shape', async () => {
    const r = await post(VALID);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'text', text: 'Echo: hello' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number), cache_read_input_tokens: 0 },
    });
    expect(r.body.id).toMatch(/^msg_/);
  });

  it('rejects a bad or missing x-api-key with 401 authentication_error', async () => {
    expectError(await post(VALID, { ...HEADERS, 'x-api-key': 'sk-ant-bad' }), 401, 'authentication_error', /invalid x-api-key/);
    const { 'x-api-key': _k, ...noKey } = HEADERS;
    expectError(await post(VALID, noKey), 401, 'authentication_error', /x-api-key/);
  });

  it('rejects a missing anthropic-version header', async () => {
    const { 'anthropic-version': _v, ...noVersion } = HEADERS;
    expectError(await post(VALID, noVersion), 400, 'invalid_request_error', /anthropic-version/);
  });

  it('rejects a system role inside messages', async () => {
    const r = await post({ ...VALID, messages: [{ role: 'system', content: 'x' }, { role: 'user', content: 'y' }] });
    expectError(r, 400, 'invalid_request_error', /Unexpected role "system"/);
  });

  it('rejects a missing max_tokens', async () => {
    const { max_tokens: _m, ...noMax } = VALID;
    expectError(await post(noMax), 400, 'invalid_request_error', /^max_tokens: Field required$/);
  });

  it('rejects a first message that is not from the user, and non-alternating roles', async () => {
    expectError(await post({ ...VALID, messages: [{ role: 'assistant', content: 'hi' }, { role: 'user', content: 'x' }] }), 400, 'invalid_request_error', /first message/);
    expectError(await post({ ...VALID, messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] }), 400, 'invalid_request_error', /alternate/);
  });

  it('rejects empty text blocks', async () => {
    const r = await post({ ...VALID, messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] });
    expectError(r, 400, 'invalid_request_error', /text content blocks must be non-empty/);
  });

  it('rejects image/jpg as a media type', async () => {
    const r = await post({
      ...VALID,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/jpg', data: 'AAAA' } }] }],
    });
    expectError(r, 400, 'invalid_request_error', /media_type/);
  });

  it('rejects OpenAI-only fields and temperature above 1', async () => {
    expectError(await post({ ...VALID, n: 1 }), 400, 'invalid_request_error', /n: Extra inputs are not permitted/);
    expectError(await post({ ...VALID, temperature: 1.5 }), 400, 'invalid_request_error', /temperature: Input should be less than or equal to 1/);
  });

  it('rejects tool_result blocks that answer no tool_use, and tool_use without results', async () => {
    const orphan = await post({ ...VALID, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'r' }] }] });
    expectError(orphan, 400, 'invalid_request_error', /unexpected `tool_use_id`/);
    const unanswered = await post({
      ...VALID,
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] },
        { role: 'user', content: 'ignored the tool' },
      ],
    });
    expectError(unanswered, 400, 'invalid_request_error', /without `tool_result` blocks/);
  });

  it('rejects trailing whitespace in a final assistant prefill', async () => {
    const r = await post({ ...VALID, messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [{ type: 'text', text: 'Sure ' }] }] });
    expectError(r, 400, 'invalid_request_error', /trailing whitespace/);
  });

  it('renders 529 overloaded in Anthropic error shape', async () => {
    fake.enqueue({ error: { status: 529, message: 'Overloaded' } });
    const r = await post(VALID);
    expect(r.status).toBe(529);
    expect(r.body).toMatchObject({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  });

  it('streams named SSE events in Anthropic order', async () => {
    fake.enqueue({ text: 'Hi there', toolCalls: [{ name: 'f', arguments: { a: 1 } }] });
    const r = await post({ ...VALID, stream: true });
    const events = [...r.text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(events[0]).toBe('message_start');
    expect(events.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(events).toContain('ping');
    expect(events.filter((e) => e === 'content_block_start')).toHaveLength(2);
    expect(r.text).toContain('"type":"input_json_delta"');
    expect(r.text).toContain('"stop_reason":"tool_use"');
  });
});
