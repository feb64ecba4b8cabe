import { checkInitialData, initialDataSchemaErrors, validateInitialData } from '../../../pipelines/validate-initial-data';

const schema = {
  type: 'object',
  required: ['topic'],
  additionalProperties: false,
  properties: {
    topic: { type: 'string', minLength: 3 },
    length: { type: 'integer', minimum: 100, default: 800 },
    options: { type: 'object', properties: { depth: { enum: ['brief', 'deep'] } } },
    email: { type: 'string', format: 'email' },
  },
};

describe('initialData validation', () => {
  test('valid data gets defaults on a copy', () => {
    const data = { topic: 'Temporal' };
    expect(validateInitialData(schema, data)).toEqual({ ok: true, data: { topic: 'Temporal', length: 800 } });
    expect(data).toEqual({ topic: 'Temporal' });
  });

  test('errors name the field', () => {
    expect(validateInitialData(schema, {})).toMatchObject({ ok: false, field: 'topic', message: 'Invalid initialData: topic is required' });
    expect(validateInitialData(schema, { topic: 'ab' })).toMatchObject({ ok: false, field: 'topic', message: expect.stringMatching(/topic must NOT have fewer than 3 characters/) });
    expect(validateInitialData(schema, { topic: 'abc', colour: 1 })).toMatchObject({ ok: false, field: 'colour', message: 'Invalid initialData: colour is not an allowed property' });
    expect(validateInitialData(schema, { topic: 'abc', options: { depth: 'huge' } })).toMatchObject({ ok: false, field: 'options.depth', message: expect.stringMatching(/must be one of "brief", "deep"/) });
    expect(validateInitialData(schema, { topic: 'abc', email: 'nope' })).toMatchObject({ ok: false, field: 'email' });
    expect(validateInitialData(schema, { topic: 'abc', length: 'long' })).toMatchObject({ ok: false, field: 'length' });
    expect(validateInitialData(schema, [1])).toMatchObject({ ok: false, field: null, message: 'initialData must be a JSON object' });
    const r = validateInitialData(schema, { colour: 1 });
    expect(r.ok ? [] : r.errors.map((e) => e.field)).toEqual(['topic', 'colour']);
  });

  test('without a schema any object passes; checkInitialData reads the definition', () => {
    expect(validateInitialData(undefined, { a: 1 })).toEqual({ ok: true, data: { a: 1 } });
    expect(checkInitialData({ initialData: schema }, { topic: 'x' })).toMatchObject({ ok: false, field: 'topic' });
  });

  test('invalid schemas are reported', () => {
    expect(initialDataSchemaErrors(schema)).toEqual([]);
    expect(initialDataSchemaErrors({ type: 'object', properties: { a: { type: 'strang' } } })[0]).toMatch(/schema is invalid/);
  });

  test('schema patterns run on a linear-time engine: a catastrophic pattern answers on a long input; look-arounds are refused', () => {
    // On a backtracking engine `^(a+)+$` against 5,000 a's and a '!' would not finish in this test's lifetime.
    const redos = { type: 'object', properties: { x: { type: 'string', pattern: '^(a+)+$' } } };
    expect(validateInitialData(redos, { x: `${'a'.repeat(5_000)}!` })).toMatchObject({ ok: false, field: 'x' });
    expect(validateInitialData(redos, { x: 'aaa' })).toMatchObject({ ok: true });
    const keyed = { type: 'object', patternProperties: { '^(x+)+$': { type: 'number' } } };
    expect(validateInitialData(keyed, { [`${'x'.repeat(5_000)}y`]: 'not checked: the key does not match' })).toMatchObject({ ok: true });
    expect(initialDataSchemaErrors({ type: 'object', properties: { x: { type: 'string', pattern: '(?=a)b' } } })[0]).toMatch(/invalid perl operator/);
  });
});
