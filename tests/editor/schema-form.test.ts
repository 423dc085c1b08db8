/** Forms generated from schemas/swarm.schema.json: every kind has its fields, typed by the schema. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { entryFields, fieldValue, formatFieldValue, parseFieldInput, stepFields, swarmFields } from '../../editor/src/model/schema-form';
import type { Field } from '../../editor/src/model/schema-form';
import { STEP_KINDS } from '../../editor/src/model/steps';

const schema: unknown = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'schemas', 'swarm.schema.json'), 'utf8'));
const byKey = (fields: Field[]): Record<string, Field> => Object.fromEntries(fields.map((f) => [f.path.join('.'), f]));

test.each([...STEP_KINDS])('a %s step has id, its kind key, when and onError', (kind) => {
  const f = byKey(stepFields(schema, kind));
  expect(f.id).toMatchObject({ type: 'text', required: true, pattern: '^[a-z][a-z0-9_]{0,62}$' });
  expect(f.onError).toMatchObject({ type: 'enum', options: ['fail', 'continue'] });
  expect(f.when?.type).toBe('expression');
  expect(Object.keys(f).some((k) => k === kind || k.startsWith(`${kind}.`)) || ['parallel', 'sequence'].includes(kind)).toBe(true);
  for (const field of Object.values(f)) expect(field.description.length).toBeGreaterThan(0);
});

test('kind fields carry what the schema says: refs, nested keys, durations, JSON', () => {
  const agent = byKey(stepFields(schema, 'agent'));
  expect(agent.agent).toMatchObject({ type: 'ref', ref: 'agents', required: true });
  expect(agent.prompt).toMatchObject({ type: 'multiline', required: true });
  expect(agent.timeout?.type).toBe('duration');
  expect(agent.retry?.type).toBe('json');
  expect(agent.output?.type).toBe('json');
  expect(byKey(stepFields(schema, 'llm')).llm).toMatchObject({ type: 'ref', ref: 'models' });
  const loop = byKey(stepFields(schema, 'loop'));
  expect(loop['loop.maxIterations']).toMatchObject({ type: 'integer', required: true, min: 1 });
  expect(loop['loop.until']?.type).toBe('expression');
  expect(loop['loop.do']).toBeUndefined(); // children are edited on the canvas
  expect(byKey(stepFields(schema, 'waitFor'))['waitFor.timeout']?.type).toBe('duration');
  expect(byKey(stepFields(schema, 'captureSkill'))['captureSkill.from']).toMatchObject({ type: 'ref', ref: 'steps' });
  expect(byKey(stepFields(schema, 'forEach'))).toMatchObject({ forEach: { type: 'expression' }, as: { type: 'text' }, concurrency: { type: 'integer', max: 2000 } });
  expect(byKey(stepFields(schema, 'set')).set?.type).toBe('json');
});

test('agents, models and tools entries, and the swarm itself', () => {
  expect(byKey(entryFields(schema, 'agents'))).toMatchObject({ model: { type: 'ref', ref: 'models', required: true }, tools: { type: 'refList', ref: 'tools' }, skills: { type: 'refList', ref: 'skills' }, instructions: { type: 'multiline' }, maxTurns: { type: 'integer' } });
  expect(byKey(entryFields(schema, 'models'))).toMatchObject({ model: { type: 'text', required: true }, temperature: { type: 'number', max: 2 } });
  expect(byKey(entryFields(schema, 'tools'))).toMatchObject({ uses: { type: 'text', required: true }, with: { type: 'json' } });
  const swarm = byKey(swarmFields(schema));
  expect(Object.keys(swarm)).toEqual(['swarm', 'version', 'description', 'inputs', 'limits.maxSubAgents', 'limits.maxSteps', 'limits.deadline', 'limits.tokens', 'output']);
});

test('typed input becomes the value to write, or a problem to show', () => {
  const f = byKey(stepFields(schema, 'forEach'));
  const conc = f.concurrency;
  if (!conc) throw new Error('no concurrency field');
  expect(parseFieldInput(conc, '12')).toEqual({ value: 12, error: null });
  expect(parseFieldInput(conc, '1.5').error).toMatch(/whole number/);
  expect(parseFieldInput(conc, '0').error).toMatch(/at least 1/);
  expect(parseFieldInput(conc, '')).toEqual({ value: undefined, error: null }); // optional: removes the key
  const when = f.when;
  if (!when) throw new Error('no when field');
  expect(parseFieldInput(when, 'true').value).toBe(true);
  expect(parseFieldInput(when, '${{ x }}').value).toBe('${{ x }}');
  const set = byKey(stepFields(schema, 'set')).set;
  if (!set) throw new Error('no set field');
  expect(parseFieldInput(set, '{"a": 1}').value).toEqual({ a: 1 });
  const tools = byKey(entryFields(schema, 'agents')).tools;
  if (!tools) throw new Error('no tools field');
  expect(parseFieldInput(tools, 'read, write ,').value).toEqual(['read', 'write']);
  expect(formatFieldValue(tools, ['read', 'write'])).toBe('read, write');
  expect(fieldValue({ loop: { maxIterations: 3 } }, { path: ['loop', 'maxIterations'], label: '', description: '', type: 'integer', required: true })).toBe(3);
});
