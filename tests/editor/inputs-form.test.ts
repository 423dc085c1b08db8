/** The Run form from a swarm's `inputs` schema. */
import { buildInput, inputForm } from '../../editor/src/model/inputs-form';

const schema = {
  type: 'object',
  properties: {
    task: { type: 'string', description: 'What to do' },
    breadth: { type: 'integer', minimum: 1, maximum: 300 },
    strict: { type: 'boolean' },
    mode: { enum: ['fast', 'deep'] },
    areas: { type: 'array', items: { type: 'string' } },
  },
  required: ['task'],
};

test('one field per property, typed', () => {
  const form = inputForm(schema);
  expect(form.wholeJson).toBe(false);
  expect(form.fields.map((f) => [f.name, f.type, f.required])).toEqual([
    ['task', 'string', true],
    ['breadth', 'integer', false],
    ['strict', 'boolean', false],
    ['mode', 'enum', false],
    ['areas', 'json', false],
  ]);
});

test('typed values become the input; problems are named per field', () => {
  const form = inputForm(schema);
  expect(buildInput(form, { task: 'x', breadth: '20', strict: true, mode: 'deep', areas: '["a"]' })).toEqual({ input: { task: 'x', breadth: 20, strict: true, mode: 'deep', areas: ['a'] }, errors: {} });
  expect(buildInput(form, { breadth: '0', areas: '[' }).errors).toEqual({ task: 'task is required', breadth: 'breadth must be at least 1', areas: 'areas must be JSON' });
});

test('without an object schema the input is one JSON text', () => {
  const form = inputForm(null);
  expect(form.wholeJson).toBe(true);
  expect(buildInput(form, { '': '{"a": [1]}' }).input).toEqual({ a: [1] });
  expect(buildInput(form, {}).input).toEqual({});
  expect(buildInput(form, { '': 'nope' }).errors['']).toMatch(/JSON/);
});
