import { GatewayError } from '../../../gateway/core/errors';
import { convertToOllamaChatRequest, convertToOllamaMessages } from '../../../gateway/providers/ollama/convert-to-ollama-messages';
import { chatRequest } from './ollama-test-utils';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

function invalid(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).status).toBe(400);
    expect((err as GatewayError).type).toBe('invalid_request_error');
    return err as GatewayError;
  }
  throw new Error('expected a GatewayError');
}

describe('convertToOllamaMessages', () => {
  it('keeps every system and developer message, concatenated into one leading system message', () => {
    const out = convertToOllamaMessages([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Hi' },
      { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
      { role: 'system', content: 'Never use emoji.' },
    ]);
    expect(out).toEqual([
      { role: 'system', content: 'You are terse.\n\nAnswer in French.\n\nNever use emoji.' },
      { role: 'user', content: 'Hi' },
    ]);
  });

  it('sends data-URI images as bare base64 in images[] (no data: prefix), any image type incl. image/jpg', () => {
    const out = convertToOllamaMessages([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
          { type: 'text', text: 'this picture?' },
          { type: 'image_url', image_url: { url: `data:image/jpg;base64,${PNG}`, detail: 'low' } },
        ],
      },
    ]);
    expect(out).toEqual([{ role: 'user', content: 'What is in\nthis picture?', images: [PNG, PNG] }]);
  });

  it('rejects http(s) image URLs with a clear 400 naming the part (Ollama takes base64 only)', () => {
    const err = invalid(() =>
      convertToOllamaMessages([
        { role: 'user', content: 'x' },
        { role: 'user', content: [{ type: 'text', text: 'see' }, { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] },
      ]),
    );
    expect(err.param).toBe('messages[1].content[1].image_url.url');
    expect(err.message).toMatch(/base64/);
  });

  it('rejects non-image data URIs, audio and file parts', () => {
    invalid(() => convertToOllamaMessages([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:application/pdf;base64,AAAA' } }] }]));
    expect(
      invalid(() => convertToOllamaMessages([{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }])).param,
    ).toBe('messages[0].content[0]');
    invalid(() => convertToOllamaMessages([{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-1' } }] }]));
  });

  it('turns assistant tool_calls into argument objects, keeps content "" as an empty string, names tool results', () => {
    const out = convertToOllamaMessages([
      { role: 'user', content: 'Weather in Paris and Tokyo?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","days":2}' } },
          { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_b', content: '09:00' },
      { role: 'tool', tool_call_id: 'call_a', content: [{ type: 'text', text: '18°C' }] },
      { role: 'tool', tool_call_id: 'call_unknown', content: 'orphan' },
    ]);
    expect(out[1]).toEqual({
      role: 'assistant',
      content: '',
      tool_calls: [
        { function: { name: 'get_weather', arguments: { city: 'Paris', days: 2 } } },
        { function: { name: 'get_time', arguments: {} } },
      ],
    });
    expect(out.slice(2)).toEqual([
      { role: 'tool', content: '09:00', tool_name: 'get_time' },
      { role: 'tool', content: '18°C', tool_name: 'get_weather' },
      { role: 'tool', content: 'orphan' },
    ]);
  });

  it('maps assistant content null / text parts to a string', () => {
    expect(convertToOllamaMessages([{ role: 'assistant', content: null }])).toEqual([{ role: 'assistant', content: '' }]);
    expect(convertToOllamaMessages([{ role: 'assistant', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }])).toEqual([
      { role: 'assistant', content: 'ab' },
    ]);
  });

  it('rejects tool-call arguments that are not a JSON object', () => {
    const bad = (args: string): GatewayError =>
      invalid(() =>
        convertToOllamaMessages([{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: args } }] }]),
      );
    expect(bad('{not json').param).toBe('messages[0].tool_calls[0].function.arguments');
    bad('[1,2]');
    bad('"text"');
  });
});

describe('convertToOllamaChatRequest', () => {
  it('puts sampling parameters in options: temperature, top_p, seed, stop, num_predict, penalties', () => {
    const body = convertToOllamaChatRequest(
      chatRequest({ temperature: 1.7, top_p: 0.9, seed: 42, stop: 'END', max_tokens: 64, presence_penalty: 0.5, frequency_penalty: -0.25 }),
      'llama3.2',
      false,
    );
    expect(body).toEqual({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Hello there' }],
      stream: false,
      options: { temperature: 1.7, top_p: 0.9, seed: 42, stop: ['END'], num_predict: 64, presence_penalty: 0.5, frequency_penalty: -0.25 },
    });
  });

  it('prefers max_completion_tokens, omits options when nothing is set, and drops harmless OpenAI-only params', () => {
    expect(convertToOllamaChatRequest(chatRequest({ max_tokens: 10, max_completion_tokens: 20 }), 'm', true).options).toEqual({ num_predict: 20 });
    const body = convertToOllamaChatRequest(
      chatRequest({ user: 'u1', logprobs: true, top_logprobs: 2, parallel_tool_calls: false, stream_options: { include_usage: true }, n: 1 }),
      'm',
      true,
    );
    expect(body).toEqual({ model: 'm', messages: [{ role: 'user', content: 'Hello there' }], stream: true });
  });

  it('rejects n > 1 naming the param', () => {
    expect(invalid(() => convertToOllamaChatRequest(chatRequest({ n: 2 }), 'm', false)).param).toBe('n');
  });

  it('forwards Ollama extras: keep_alive and options (mapped params win)', () => {
    const req = { ...chatRequest({ temperature: 0.2 }), keep_alive: '10m', options: { num_ctx: 8192, temperature: 1 } };
    const body = convertToOllamaChatRequest(req, 'm', false);
    expect(body.keep_alive).toBe('10m');
    expect(body.options).toEqual({ num_ctx: 8192, temperature: 0.2 });
  });

  it('maps response_format: json_object → "json", json_schema → the schema object, text → nothing', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    expect(convertToOllamaChatRequest(chatRequest({ response_format: { type: 'json_object' } }), 'm', false).format).toBe('json');
    expect(
      convertToOllamaChatRequest(chatRequest({ response_format: { type: 'json_schema', json_schema: { name: 'a', schema, strict: true } } }), 'm', false).format,
    ).toEqual(schema);
    expect(convertToOllamaChatRequest(chatRequest({ response_format: { type: 'json_schema', json_schema: { name: 'a' } } }), 'm', false).format).toBe('json');
    expect(convertToOllamaChatRequest(chatRequest({ response_format: { type: 'text' } }), 'm', false)).not.toHaveProperty('format');
  });

  describe('tools and tool_choice', () => {
    const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } };
    const time = { type: 'function' as const, function: { name: 'get_time' } };

    it('passes OpenAI-style function tools (strict dropped, missing parameters defaulted)', () => {
      const body = convertToOllamaChatRequest(chatRequest({ tools: [weather, time] }), 'm', false);
      expect(body.tools).toEqual([
        { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
        { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
      ]);
    });

    it("tool_choice 'none' omits the tools; 'auto' and 'required' keep them all (best effort)", () => {
      expect(convertToOllamaChatRequest(chatRequest({ tools: [weather], tool_choice: 'none' }), 'm', false)).not.toHaveProperty('tools');
      expect(convertToOllamaChatRequest(chatRequest({ tools: [weather, time], tool_choice: 'auto' }), 'm', false).tools).toHaveLength(2);
      expect(convertToOllamaChatRequest(chatRequest({ tools: [weather, time], tool_choice: 'required' }), 'm', false).tools).toHaveLength(2);
    });

    it('a specific tool_choice sends only that tool; an unknown name is a 400', () => {
      const body = convertToOllamaChatRequest(chatRequest({ tools: [weather, time], tool_choice: { type: 'function', function: { name: 'get_time' } } }), 'm', false);
      expect(body.tools?.map((t) => t.function.name)).toEqual(['get_time']);
      const err = invalid(() => convertToOllamaChatRequest(chatRequest({ tools: [weather], tool_choice: { type: 'function', function: { name: 'nope' } } }), 'm', false));
      expect(err.param).toBe('tool_choice');
    });
  });
});
