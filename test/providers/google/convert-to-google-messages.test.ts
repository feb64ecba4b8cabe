import { GatewayError } from '../../../gateway/core/errors';
import {
  convertToGoogleRequest,
  SKIP_THOUGHT_SIGNATURE,
} from '../../../gateway/providers/google/convert-to-google-messages';
import { chatRequest } from './google-test-helpers';

function convertError(body: Record<string, unknown>): GatewayError {
  try {
    convertToGoogleRequest(chatRequest(body));
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
  throw new Error('expected a GatewayError');
}

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  },
};

describe('convertToGoogleRequest: messages', () => {
  it('keeps every system and developer message, concatenated with blank lines, as systemInstruction', () => {
    const body = convertToGoogleRequest(
      chatRequest({
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'Hi' },
          { role: 'system', content: 'Never use emoji.' },
        ],
      }),
    );
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'You are terse.\n\nAnswer in French.\n\nNever use emoji.' }] });
    expect(body.contents).toEqual([{ role: 'user', parts: [{ text: 'Hi' }] }]);
  });

  it('maps assistant to role model and merges consecutive same-role turns', () => {
    const body = convertToGoogleRequest(
      chatRequest({
        messages: [
          { role: 'user', content: 'one' },
          { role: 'user', content: [{ type: 'text', text: 'two' }] },
          { role: 'assistant', content: 'three' },
          { role: 'assistant', content: [{ type: 'text', text: 'four' }] },
          { role: 'user', content: 'five' },
        ],
      }),
    );
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'one' }, { text: 'two' }] },
      { role: 'model', parts: [{ text: 'three' }, { text: 'four' }] },
      { role: 'user', parts: [{ text: 'five' }] },
    ]);
  });

  it('turns tool calls into functionCall parts (args parsed) without an empty text part for content ""', () => {
    const body = convertToGoogleRequest(
      chatRequest({
        messages: [
          { role: 'user', content: 'Weather in Paris and Tokyo?' },
          {
            role: 'assistant',
            content: '',
            tool_calls: [
              { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_a', content: '{"temp":18}' },
          { role: 'tool', tool_call_id: 'call_b', content: 'sunny, 25C' },
          { role: 'user', content: 'Thanks' },
        ],
      }),
    );
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Tokyo?' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SKIP_THOUGHT_SIGNATURE },
          { functionCall: { name: 'get_weather', args: { city: 'Tokyo' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { temp: 18 } } },
          { functionResponse: { name: 'get_weather', response: { content: 'sunny, 25C' } } },
          { text: 'Thanks' },
        ],
      },
    ]);
  });

  it('finds the function name of a tool result from the earlier assistant tool call with that id', () => {
    const body = convertToGoogleRequest(
      chatRequest({
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'lookup', arguments: '' } }] },
          { role: 'tool', tool_call_id: 't1', content: '[1,2]' },
        ],
      }),
    );
    expect(body.contents[1]?.parts[0]).toMatchObject({ functionCall: { name: 'lookup', args: {} } });
    // Non-object JSON is wrapped: Gemini's response must be an object.
    expect(body.contents[2]).toEqual({ role: 'user', parts: [{ functionResponse: { name: 'lookup', response: { content: [1, 2] } } }] });
  });

  it('rejects a tool result whose id matches no earlier tool call', () => {
    const err = convertError({ messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'nope', content: 'r' }] });
    expect(err.status).toBe(400);
    expect(err.type).toBe('invalid_request_error');
    expect(err.param).toBe('messages[1].tool_call_id');
  });

  it('rejects invalid JSON tool-call arguments with a 400 naming the message', () => {
    const err = convertError({
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"city":' } }] },
      ],
    });
    expect(err.status).toBe(400);
    expect(err.type).toBe('invalid_request_error');
    expect(err.param).toBe('messages[1].tool_calls[0].function.arguments');
    expect(err.message).toContain('messages[1]');
  });

  it('parses data-URI images (image/jpg → image/jpeg) into inlineData and http(s) URLs into fileData', () => {
    const body = convertToGoogleRequest(
      chatRequest({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare' },
              { type: 'image_url', image_url: { url: 'data:image/jpg;base64,/9j/4AAQ' } },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.webp?size=large' } },
              { type: 'image_url', image_url: { url: 'https://example.com/render' } },
              { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
              { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
            ],
          },
        ],
      }),
    );
    expect(body.contents[0]?.parts).toEqual([
      { text: 'Compare' },
      { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
      { fileData: { mimeType: 'image/webp', fileUri: 'https://example.com/cat.webp?size=large' } },
      { fileData: { fileUri: 'https://example.com/render' } },
      { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
    ]);
  });

  it('rejects non-base64 data URIs, other URL schemes and file ids with a 400 naming the part', () => {
    const img = (url: string): Record<string, unknown> => ({
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }],
    });
    expect(convertError(img('data:image/svg+xml,<svg/>')).param).toBe('messages[0].content[0].image_url.url');
    expect(convertError(img('ftp://example.com/a.png')).param).toBe('messages[0].content[0].image_url.url');
    expect(convertError({ messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-1' } }] }] }).param).toBe(
      'messages[0].content[0].file',
    );
  });

  it('rejects a conversation with only system messages (Gemini needs contents)', () => {
    expect(convertError({ messages: [{ role: 'system', content: 'hi' }] }).param).toBe('messages');
  });
});

describe('convertToGoogleRequest: parameters', () => {
  it('maps sampling parameters into generationConfig and drops what Gemini lacks', () => {
    const body = convertToGoogleRequest(
      chatRequest({
        messages: [{ role: 'user', content: 'x' }],
        temperature: 1.7,
        top_p: 0.9,
        max_tokens: 50,
        max_completion_tokens: 100,
        stop: ['END', 'STOP'],
        n: 3,
        seed: 42,
        presence_penalty: 0,
        frequency_penalty: 0.5,
        logprobs: true,
        user: 'u-1',
        parallel_tool_calls: false,
        some_extension: true,
      }),
    );
    expect(body.generationConfig).toEqual({
      temperature: 1.7,
      topP: 0.9,
      maxOutputTokens: 100,
      stopSequences: ['END', 'STOP'],
      candidateCount: 3,
      seed: 42,
      frequencyPenalty: 0.5,
    });
    expect(Object.keys(body)).toEqual(['contents', 'generationConfig']);
  });

  it('accepts a single stop string and omits generationConfig when nothing is set', () => {
    expect(convertToGoogleRequest(chatRequest({ messages: [{ role: 'user', content: 'x' }], stop: '\n' })).generationConfig).toEqual({
      stopSequences: ['\n'],
    });
    expect(convertToGoogleRequest(chatRequest({ messages: [{ role: 'user', content: 'x' }], n: 1 })).generationConfig).toBeUndefined();
  });

  it('rejects n above 8 naming n', () => {
    expect(convertError({ messages: [{ role: 'user', content: 'x' }], n: 9 }).param).toBe('n');
  });

  it('maps json_object and json_schema (schema converted to Gemini dialect) to responseMimeType/responseSchema', () => {
    const obj = convertToGoogleRequest(chatRequest({ messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' } }));
    expect(obj.generationConfig).toEqual({ responseMimeType: 'application/json' });
    const schema = convertToGoogleRequest(
      chatRequest({
        messages: [{ role: 'user', content: 'x' }],
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'person',
            strict: true,
            schema: {
              $schema: 'http://json-schema.org/draft-07/schema#',
              type: 'object',
              properties: { name: { type: 'string' }, age: { type: ['integer', 'null'] } },
              required: ['name', 'age'],
              additionalProperties: false,
            },
          },
        },
      }),
    );
    expect(schema.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseSchema: {
        type: 'OBJECT',
        properties: { name: { type: 'STRING' }, age: { type: 'INTEGER', nullable: true } },
        required: ['name', 'age'],
      },
    });
  });

  it('maps tools and every tool_choice form', () => {
    const base = { messages: [{ role: 'user', content: 'x' }], tools: [weatherTool] };
    const none = convertToGoogleRequest(chatRequest({ ...base, tool_choice: 'none' }));
    expect(none.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Weather for a city',
            parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] },
          },
        ],
      },
    ]);
    expect(none.toolConfig).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(convertToGoogleRequest(chatRequest({ ...base, tool_choice: 'auto' })).toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(convertToGoogleRequest(chatRequest({ ...base, tool_choice: 'required' })).toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(
      convertToGoogleRequest(chatRequest({ ...base, tool_choice: { type: 'function', function: { name: 'get_weather' } } })).toolConfig,
    ).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } });
    expect(convertToGoogleRequest(chatRequest(base)).toolConfig).toBeUndefined();
    expect(convertError({ ...base, tool_choice: { type: 'function', function: { name: 'other' } } }).param).toBe('tool_choice');
  });

  it('omits parameters for a tool without arguments (Gemini rejects an OBJECT with empty properties)', () => {
    const body = convertToGoogleRequest(
      chatRequest({
        messages: [{ role: 'user', content: 'x' }],
        tools: [{ type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } }],
      }),
    );
    expect(body.tools?.[0]?.functionDeclarations).toEqual([{ name: 'now' }]);
  });
});
