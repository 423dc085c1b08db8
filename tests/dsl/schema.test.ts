/** schemas/swarm.schema.json: a valid 2020-12 schema with help text on every property, for editors. */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import swarmSchema from '../../schemas/swarm.schema.json';
import irSchema from '../../schemas/ir.schema.json';
import { STEP_KINDS } from '../../dsl';

function propertiesWithoutDescription(node: unknown, path: string, out: string[]): string[] {
  if (Array.isArray(node)) node.forEach((x, i) => propertiesWithoutDescription(x, `${path}/${i}`, out));
  else if (typeof node === 'object' && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'properties' && typeof v === 'object' && v !== null) {
        for (const [name, prop] of Object.entries(v)) {
          const described = typeof prop === 'object' && prop !== null && typeof Reflect.get(prop, 'description') === 'string';
          if (!described) out.push(`${path}/properties/${name}`);
        }
      }
      propertiesWithoutDescription(v, `${path}/${k}`, out);
    }
  }
  return out;
}

test('both schemas compile in ajv strict mode and have an $id', () => {
  const ajv = new Ajv2020({ strict: true, strictTypes: false, strictRequired: false });
  addFormats(ajv);
  expect(() => ajv.compile(swarmSchema)).not.toThrow();
  expect(() => ajv.compile(irSchema)).not.toThrow();
  expect(swarmSchema.$id).toMatch(/^https:\/\//);
  expect(irSchema.$id).toMatch(/^https:\/\//);
  expect(swarmSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
});

test('every property of the definition schema has a description (editors show it as help)', () => {
  // Inside the `then` branches of tools, `allow`/`timeout` repeat documented keys.
  expect(propertiesWithoutDescription(swarmSchema, '#', [])).toEqual([]);
});

test('the step schema knows every step kind, in the order of dsl/ir.ts', () => {
  const kinds = swarmSchema.$defs.step.oneOf.map((b) => b.required[0]);
  expect(kinds).toEqual([...STEP_KINDS]);
  for (const k of STEP_KINDS) expect(Object.keys(swarmSchema.$defs.step.properties)).toContain(k);
});

test('durations follow the documented pattern', () => {
  expect(swarmSchema.$defs.duration.pattern).toBe('^\\d+(ms|s|m|h|d)$');
});
