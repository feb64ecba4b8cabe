import { GatewayError } from '../../../gateway/core/errors';
import { convertToGoogleSchema } from '../../../gateway/providers/google/convert-to-google-schema';

describe('convertToGoogleSchema', () => {
  it('strips keys Gemini rejects and upper-cases types', () => {
    expect(
      convertToGoogleSchema(
        {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          $id: 'x',
          type: 'object',
          title: 'T',
          properties: {
            email: { type: 'string', format: 'email', minLength: 3 },
            when: { type: 'string', format: 'date-time' },
            n: { type: 'number', exclusiveMinimum: 0, maximum: 10 },
            tags: { type: 'array', items: { type: 'string' }, uniqueItems: true, maxItems: 3 },
          },
          patternProperties: { '^x': { type: 'string' } },
          additionalProperties: false,
          required: ['email', 'missing'],
        },
        'p',
      ),
    ).toEqual({
      title: 'T',
      type: 'OBJECT',
      properties: {
        email: { type: 'STRING', minLength: 3 },
        when: { type: 'STRING', format: 'date-time' },
        n: { type: 'NUMBER', maximum: 10 },
        tags: { type: 'ARRAY', items: { type: 'STRING' }, maxItems: 3 },
      },
      required: ['email'],
    });
  });

  it('rewrites const, nullable unions, oneOf and multi-type unions', () => {
    expect(convertToGoogleSchema({ const: 'fixed' }, 'p')).toEqual({ type: 'STRING', enum: ['fixed'] });
    expect(convertToGoogleSchema({ enum: ['a', 'b', null] }, 'p')).toEqual({ type: 'STRING', enum: ['a', 'b'], nullable: true });
    expect(convertToGoogleSchema({ anyOf: [{ type: 'string' }, { type: 'null' }] }, 'p')).toEqual({ type: 'STRING', nullable: true });
    expect(convertToGoogleSchema({ oneOf: [{ type: 'string' }, { type: 'integer' }] }, 'p')).toEqual({
      anyOf: [{ type: 'STRING' }, { type: 'INTEGER' }],
    });
    expect(convertToGoogleSchema({ type: ['string', 'number', 'null'], description: 'd' }, 'p')).toEqual({
      description: 'd',
      anyOf: [{ type: 'STRING', description: 'd' }, { type: 'NUMBER', description: 'd' }],
      nullable: true,
    });
  });

  it('inlines local $refs and merges allOf', () => {
    const out = convertToGoogleSchema(
      {
        type: 'object',
        $defs: { Point: { type: 'object', properties: { x: { type: 'number' } }, required: ['x'] } },
        properties: {
          a: { $ref: '#/$defs/Point' },
          b: { allOf: [{ $ref: '#/$defs/Point' }, { properties: { y: { type: 'number' } }, required: ['y'] }] },
        },
      },
      'p',
    );
    expect(out).toEqual({
      type: 'OBJECT',
      properties: {
        a: { type: 'OBJECT', properties: { x: { type: 'NUMBER' } }, required: ['x'] },
        b: { type: 'OBJECT', properties: { x: { type: 'NUMBER' }, y: { type: 'NUMBER' } }, required: ['x', 'y'] },
      },
    });
  });

  it('rejects recursive schemas with a 400 naming the parameter', () => {
    const schema = { type: 'object', properties: { child: { $ref: '#' } } };
    expect(() => convertToGoogleSchema(schema, 'response_format.json_schema.schema')).toThrow(GatewayError);
    try {
      convertToGoogleSchema(schema, 'response_format.json_schema.schema');
    } catch (e) {
      expect((e as GatewayError).param).toBe('response_format.json_schema.schema');
      expect((e as GatewayError).status).toBe(400);
    }
  });
});
