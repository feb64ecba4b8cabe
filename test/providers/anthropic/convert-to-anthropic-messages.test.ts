import { chatRequestSchema, type ChatRequest } from '../../../gateway/core/chat-request';
import { GatewayError } from '../../../gateway/core/errors';
import {
  ANTHROPIC_DEFAULT_MAX_TOKENS,
  JSON_OBJECT_INSTRUCTION,
  convertToAnthropicRequest,
} from '../../../gateway/providers/anthropic/convert-to-anthropic-request';
import { FIRST_USER_PLACEHOLDER, convertToAnthropicMessages } from '../../../gateway/providers/anthropic/convert-to-anthropic-messages';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

function request(body: Record<string, unknown>): ChatRequest {
  return chatRequestSchema.parse({ model: 'anthropic/claude-sonnet-4-5', ...body });
}
function convert(body: Record<string, unknown>, stream = false) {
  return convertToAnthropicRequest(request(body), { modelId: 'claude-sonnet-4-5', stream });
}
function expectInvalid(fn: () => unknown, param: string): GatewayError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    const e = err as GatewayError;
    expect(e.status).toBe(400);
    expect(e.param).toBe(param);
    return e;
  }
  throw new Error('expected an invalid-request error');
}

describe('convertToAnthropicRequest: top-level parameters', () => {
  it('sends the upstream model id, a default max_tokens, and no stream flag for generate', () => {
    const { body } = convert({ messages: [{ role: 'user', content: 'hi' }] });
    expect(body.model).toBe('claude-sonnet-4-5');
    expect(body.max_tokens).toBe(ANTHROPIC_DEFAULT_MAX_TOKENS);
    expect(ANTHROPIC_DEFAULT_MAX_TOKENS).toBe(4096);
    expect(body).not.toHaveProperty('stream');
    expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
  });

  it('takes max_completion_tokens over max_tokens, and honours a configured default', () => {
    expect(convert({ messages: [{ role: 'user', content: 'x' }], max_tokens: 10, max_completion_tokens: 20 }).body.max_tokens).toBe(20);
    expect(convert({ messages: [{ role: 'user', content: 'x' }], max_tokens: 10 }).body.max_tokens).toBe(10);
    const custom = convertToAnthropicRequest(request({ messages: [{ role: 'user', content: 'x' }] }), {
      modelId: 'm',
      stream: true,
      defaultMaxTokens: 1000,
    });
    expect(custom.body.max_tokens).toBe(1000);
    expect(custom.body.stream).toBe(true);
  });

  it('clamps temperature to Anthropic\'s maximum of 1 and keeps values inside the range', () => {
    expect(convert({ messages: [{ role: 'user', content: 'x' }], temperature: 1.7 }).body.temperature).toBe(1);
    expect(convert({ messages: [{ role: 'user', content: 'x' }], temperature: 2 }).body.temperature).toBe(1);
    expect(convert({ messages: [{ role: 'user', content: 'x' }], temperature: 0.3 }).body.temperature).toBe(0.3);
    expect(convert({ messages: [{ role: 'user', content: 'x' }], temperature: 0 }).body.temperature).toBe(0);
  });

  it('maps stop (string or list) to stop_sequences, top_p, user → metadata.user_id', () => {
    expect(convert({ messages: [{ role: 'user', content: 'x' }], stop: 'END' }).body.stop_sequences).toEqual(['END']);
    const { body } = convert({ messages: [{ role: 'user', content: 'x' }], stop: ['a', 'b'], top_p: 0.9, user: 'u-42' });
    expect(body.stop_sequences).toEqual(['a', 'b']);
    expect(body.top_p).toBe(0.9);
    expect(body.metadata).toEqual({ user_id: 'u-42' });
  });

  it('drops parameters Anthropic has no equivalent for, and never forwards gateway extensions', () => {
    const { body, dropped } = convert({
      messages: [{ role: 'user', content: 'x' }],
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: 0.5,
      logprobs: true,
      stream_options: { include_usage: true },
      models: ['a', 'b'],
      provider: { order: ['x'] },
    });
    expect(dropped.sort()).toEqual(['frequency_penalty', 'logprobs', 'presence_penalty', 'seed', 'stream_options']);
    for (const k of ['seed', 'presence_penalty', 'frequency_penalty', 'logprobs', 'stream_options', 'models', 'provider', 'n']) {
      expect(body).not.toHaveProperty(k);
    }
  });

  it('rejects n > 1 naming the parameter, accepts n = 1', () => {
    expectInvalid(() => convert({ messages: [{ role: 'user', content: 'x' }], n: 2 }), 'n');
    expect(convert({ messages: [{ role: 'user', content: 'x' }], n: 1 }).body).not.toHaveProperty('n');
  });
});

describe('convertToAnthropicMessages: system and turn structure', () => {
  it('keeps every system/developer message, concatenated with blank lines, as top-level system', () => {
    const out = convertToAnthropicMessages(
      request({
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'hi' },
          { role: 'system', content: 'Never mention cats.' },
        ],
      }).messages,
    );
    expect(out.system).toBe('You are terse.\n\nAnswer in French.\n\nNever mention cats.');
    expect(out.messages.every((m) => (m.role as string) !== 'system')).toBe(true);
    expect(out.messages).toHaveLength(1);
  });

  it('merges consecutive same-role messages so roles alternate', () => {
    const out = convertToAnthropicMessages(
      request({
        messages: [
          { role: 'user', content: 'one' },
          { role: 'user', content: 'two' },
          { role: 'assistant', content: 'a' },
          { role: 'assistant', content: 'b' },
          { role: 'user', content: 'three' },
        ],
      }).messages,
    );
    expect(out.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
      { role: 'user', content: [{ type: 'text', text: 'three' }] },
    ]);
  });

  it('puts a placeholder user turn before a leading assistant turn', () => {
    const out = convertToAnthropicMessages(
      request({ messages: [{ role: 'system', content: 's' }, { role: 'assistant', content: 'Hello! How can I help?' }, { role: 'user', content: 'hi' }] }).messages,
    );
    expect(out.messages[0]).toEqual({ role: 'user', content: [{ type: 'text', text: FIRST_USER_PLACEHOLDER }] });
    expect(out.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(out.system).toBe('s');
  });

  it('sends a system-only request as a user turn', () => {
    const out = convertToAnthropicMessages(request({ messages: [{ role: 'system', content: 'Write a haiku.' }] }).messages);
    expect(out.system).toBeUndefined();
    expect(out.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Write a haiku.' }] }]);
  });

  it('rejects a conversation with no content at all', () => {
    expectInvalid(() => convertToAnthropicMessages(request({ messages: [{ role: 'user', content: '' }] }).messages), 'messages');
  });

  it('never produces empty text blocks (empty strings and empty parts are dropped)', () => {
    const out = convertToAnthropicMessages(
      request({
        messages: [
          { role: 'user', content: [{ type: 'text', text: '' }, { type: 'text', text: 'real' }] },
          { role: 'assistant', content: '' },
          { role: 'user', content: '' },
          { role: 'user', content: 'more' },
        ],
      }).messages,
    );
    expect(out.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'real' }, { type: 'text', text: 'more' }] }]);
  });

  it('strips trailing whitespace from a final assistant prefill', () => {
    const out = convertToAnthropicMessages(
      request({ messages: [{ role: 'user', content: 'json please' }, { role: 'assistant', content: '{"a": \n' }] }).messages,
    );
    expect(out.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'text', text: '{"a":' }] });
  });

  it('uses the assistant refusal as text when there is no content', () => {
    const out = convertToAnthropicMessages(
      request({ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: null, refusal: 'I cannot.' }, { role: 'user', content: 'ok' }] }).messages,
    );
    expect(out.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'I cannot.' }] });
  });
});

describe('convertToAnthropicMessages: tools in history', () => {
  const history = [
    { role: 'user', content: 'weather in Paris and Rome?' },
    {
      role: 'assistant',
      content: '',
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: '18C' },
    { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '25C' }] },
    { role: 'user', content: 'thanks — which is warmer?' },
  ];

  it('assistant content "" beside tool_calls gives only tool_use blocks (no empty text block)', () => {
    const out = convertToAnthropicMessages(request({ messages: history }).messages);
    expect(out.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'call_2', name: 'weather', input: { city: 'Rome' } },
      ],
    });
  });

  it('puts consecutive tool results in one user turn, before the following user text', () => {
    const out = convertToAnthropicMessages(request({ messages: history }).messages);
    expect(out.messages).toHaveLength(3);
    expect(out.messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'call_1', content: '18C' },
        { type: 'tool_result', tool_use_id: 'call_2', content: '25C' },
        { type: 'text', text: 'thanks — which is warmer?' },
      ],
    });
  });

  it('keeps assistant text beside tool calls, omits empty tool output, treats empty arguments as {}', () => {
    const out = convertToAnthropicMessages(
      request({
        messages: [
          { role: 'user', content: 'time?' },
          { role: 'assistant', content: 'Let me check.', tool_calls: [{ id: 'toolu_9', type: 'function', function: { name: 'now', arguments: '' } }] },
          { role: 'tool', tool_call_id: 'toolu_9', content: '' },
        ],
      }).messages,
    );
    expect(out.messages[1]?.content).toEqual([
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'toolu_9', name: 'now', input: {} },
    ]);
    expect(out.messages[2]).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9' }] });
  });

  it('rejects tool-call arguments that are not a JSON object', () => {
    const msgs = (args: string) =>
      request({ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: args } }] }] }).messages;
    expectInvalid(() => convertToAnthropicMessages(msgs('{oops')), 'messages[1].tool_calls[0].function.arguments');
    expectInvalid(() => convertToAnthropicMessages(msgs('[1,2]')), 'messages[1].tool_calls[0].function.arguments');
  });
});

describe('convertToAnthropicMessages: images and files', () => {
  const withImage = (url: string) =>
    request({ messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url, detail: 'high' } }] }] }).messages;

  it('parses data URIs and normalises image/jpg to image/jpeg', () => {
    const out = convertToAnthropicMessages(withImage(`data:image/jpg;base64,${PNG}`));
    expect(out.messages[0]?.content[1]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: PNG } });
    const png = convertToAnthropicMessages(withImage(`data:IMAGE/PNG;base64,${PNG}`));
    expect(png.messages[0]?.content[1]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } });
  });

  it('passes http(s) image URLs as url sources', () => {
    const out = convertToAnthropicMessages(withImage('https://example.com/cat.png'));
    expect(out.messages[0]?.content[1]).toEqual({ type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } });
  });

  it('rejects unsupported image types, other URL schemes and audio with a clear 400', () => {
    const e = expectInvalid(() => convertToAnthropicMessages(withImage(`data:image/bmp;base64,${PNG}`)), 'messages[0].content[1].image_url.url');
    expect(e.message).toMatch(/image\/bmp/);
    expectInvalid(() => convertToAnthropicMessages(withImage('ftp://example.com/x.png')), 'messages[0].content[1].image_url.url');
    expectInvalid(
      () => convertToAnthropicMessages(request({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] }).messages),
      'messages[0].content[0].input_audio',
    );
  });

  it('sends inline PDFs as document blocks', () => {
    const out = convertToAnthropicMessages(
      request({ messages: [{ role: 'user', content: [{ type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0x', filename: 'a.pdf' } }] }] }).messages,
    );
    expect(out.messages[0]?.content[0]).toEqual({
      type: 'document',
      source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' },
      title: 'a.pdf',
    });
  });
});

describe('convertToAnthropicRequest: tools, tool_choice, response_format', () => {
  const tools = [
    { type: 'function', function: { name: 'weather', description: 'Get weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
    { type: 'function', function: { name: 'now' } },
  ];
  const base = { messages: [{ role: 'user', content: 'x' }], tools };

  it('converts tools to name/description/input_schema (an object schema even without parameters)', () => {
    expect(convert(base).body.tools).toEqual([
      { name: 'weather', description: 'Get weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      { name: 'now', input_schema: { type: 'object', properties: {} } },
    ]);
    expect(convert(base).body).not.toHaveProperty('tool_choice');
  });

  it.each([
    ['none', { type: 'none' }],
    ['auto', { type: 'auto' }],
    ['required', { type: 'any' }],
    [{ type: 'function', function: { name: 'weather' } }, { type: 'tool', name: 'weather' }],
  ])('tool_choice %j → %j', (choice, expected) => {
    expect(convert({ ...base, tool_choice: choice }).body.tool_choice).toEqual(expected);
  });

  it('parallel_tool_calls:false → disable_parallel_tool_use:true (auto when no tool_choice)', () => {
    expect(convert({ ...base, parallel_tool_calls: false }).body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(convert({ ...base, parallel_tool_calls: false, tool_choice: 'required' }).body.tool_choice).toEqual({
      type: 'any',
      disable_parallel_tool_use: true,
    });
    expect(convert({ ...base, parallel_tool_calls: true }).body).not.toHaveProperty('tool_choice');
  });

  it('drops tool_choice when there are no tools', () => {
    const { body } = convert({ messages: [{ role: 'user', content: 'x' }], tool_choice: 'required' });
    expect(body).not.toHaveProperty('tools');
    expect(body).not.toHaveProperty('tool_choice');
  });

  it('json_schema → a forced tool named after the schema', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const out = convert({ messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_schema', json_schema: { name: 'final answer', schema, strict: true } } });
    expect(out.responseToolName).toBe('final_answer');
    expect(out.body.tools).toEqual([{ name: 'final_answer', description: expect.any(String), input_schema: schema }]);
    expect(out.body.tool_choice).toEqual({ type: 'tool', name: 'final_answer' });
  });

  it('json_schema beside client tools → the model must call some tool (any)', () => {
    const out = convert({ ...base, response_format: { type: 'json_schema', json_schema: { name: 'result', schema: { type: 'object' } } } });
    expect(out.body.tools?.map((t) => t.name)).toEqual(['weather', 'now', 'result']);
    expect(out.body.tool_choice).toEqual({ type: 'any' });
    expectInvalid(
      () => convert({ ...base, response_format: { type: 'json_schema', json_schema: { name: 'weather', schema: { type: 'object' } } } }),
      'response_format.json_schema.name',
    );
  });

  it('json_object → an instruction appended to the system prompt', () => {
    const { body } = convert({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'x' }], response_format: { type: 'json_object' } });
    expect(body.system).toBe(`Be brief.\n\n${JSON_OBJECT_INSTRUCTION}`);
    expect(convert({ messages: [{ role: 'user', content: 'x' }], response_format: { type: 'text' } }).body).not.toHaveProperty('system');
  });
});
