/**
 * Every example validates and compiles, deterministically; the IR matches
 * schemas/ir.schema.json and dsl/ir.ts; IR -> YAML -> IR is the identity.
 */
import Ajv2020 from 'ajv/dist/2020';
import irSchema from '../../schemas/ir.schema.json';
import { STEP_KINDS, compile, irToYaml, validate, formatDiagnostic, DEFAULTS, IR_VERSION } from '../../dsl';
import type { StepIR, SwarmIR } from '../../dsl';
import { walkSteps } from '../../dsl/walk';
import { canonicalJson, sha256Hex } from '../../dsl/canonical';
import { exampleFiles } from './helpers';

const examples = exampleFiles();
const irValidator = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false }).compile(irSchema);

function compiled(text: string, name: string): SwarmIR {
  const { ir, diagnostics } = compile(text, name);
  if (!ir) throw new Error(`${name} does not compile:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
  return ir;
}

test('there are examples, including the shared contract ones and one with every step kind', () => {
  expect(examples.filter((e) => e.name.startsWith('examples/')).length).toBeGreaterThanOrEqual(6);
  const kinds = new Set<string>();
  for (const e of examples) for (const s of walkSteps(compiled(e.text, e.name).steps)) kinds.add(s.kind);
  expect([...kinds].sort()).toEqual([...STEP_KINDS].sort());
});

describe.each(examples.map((e) => [e.name, e] as const))('%s', (name, e) => {
  test('validates with no diagnostics', () => {
    expect(validate(e.text, name).map(formatDiagnostic)).toEqual([]);
  });

  test('compiles to an IR that matches schemas/ir.schema.json', () => {
    const ir = compiled(e.text, name);
    const ok = irValidator(ir);
    expect(irValidator.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(ir.irVersion).toBe(IR_VERSION);
  });

  test('compiles deterministically, with the sha256 of the canonical IR', () => {
    const a = compiled(e.text, name);
    const b = compiled(e.text, name);
    expect(b).toEqual(a);
    const { sha256, ...rest } = a;
    expect(sha256).toBe(sha256Hex(canonicalJson(rest)));
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('fills every default and points every step at its source', () => {
    const ir = compiled(e.text, name);
    for (const agent of Object.values(ir.agents)) expect(agent.maxTurns).toBeGreaterThan(0);
    for (const s of walkSteps(ir.steps)) {
      expect(s.ptr).toMatch(/^\/steps\/\d+/);
      expect(s.name.length).toBeGreaterThan(0);
      if (s.kind === 'llm') expect(s.timeoutMs).not.toBeNull();
      if (s.kind === 'forEach') expect(s.concurrency).toBeLessThanOrEqual(ir.limits.maxSubAgents);
    }
    expect(ir.limits.deadlineMs).toBeGreaterThan(0);
    expect(ir.limits.maxSubAgents).toBeLessThanOrEqual(2000);
  });

  test('IR -> YAML -> IR is the identity; with its source, an unchanged IR gives the source back', () => {
    const ir = compiled(e.text, name);
    const yaml = irToYaml(ir);
    expect(compiled(yaml, name)).toEqual(ir);
    expect(irToYaml(ir, e.text)).toBe(e.text);
  });
});

test('a changed IR merged into its source keeps the comments and key order of what did not change', () => {
  const source = examples.find((e) => e.name.endsWith('refactor.swarm.yaml'));
  if (!source) throw new Error('refactor example missing');
  const ir = compiled(source.text, 'refactor');
  const edited: SwarmIR = structuredClone(ir);
  const approve = edited.steps.find((s): s is Extract<StepIR, { kind: 'waitFor' }> => s.kind === 'waitFor');
  if (!approve) throw new Error('no waitFor step');
  approve.name = 'Maintainer review';
  const worker = edited.models['worker'];
  if (!worker) throw new Error('no worker model');
  worker.temperature = 0.5;
  const merged = irToYaml(edited, source.text);
  const back = compiled(merged, 'refactor');
  const { sha256: _a, ...want } = edited;
  const { sha256: _b, ...got } = back;
  expect(got).toEqual(want);
  expect(merged).toContain('# Plan a refactor, fan it out to sub-agents, test, ask a human, learn a skill.');
  expect(merged).toContain('name: Maintainer review');
  // Untouched lines keep their spelling: flow mappings, durations as written.
  expect(merged).toContain('planner: { pool: default, model: kimi-k2.6, temperature: 0.3, maxTokens: 4096 }');
  expect(merged).toContain('waitFor: { signal: approve, timeout: 24h }');
  const order = ['swarm:', 'version:', 'description:', 'inputs:', 'limits:', 'models:', 'tools:', 'skills:', 'agents:', 'steps:', 'output:'];
  const positions = order.map((k) => merged.indexOf(`\n${k}`) >= 0 ? merged.indexOf(`\n${k}`) : merged.indexOf(k));
  expect([...positions].sort((a, b) => a - b)).toEqual(positions);
});

test('defaults in dsl/ir.ts are the ones the compiler fills', () => {
  const ir = compiled('swarm: d\nversion: 1\nmodels: { m: { model: x } }\ntools: { t: { uses: fs.read } }\nagents: { a: { model: m } }\nsteps:\n  - { id: s, llm: m, prompt: p }\n  - { id: u, tool: t }\n  - { id: v, agent: a, prompt: p }\n', 'd');
  expect(ir.limits).toEqual({ maxSubAgents: DEFAULTS.maxSubAgents, maxSteps: DEFAULTS.maxSteps, deadlineMs: DEFAULTS.deadlineMs, tokens: DEFAULTS.tokens });
  expect(ir.agents['a']).toEqual({ model: 'm', instructions: '', tools: [], skills: [], maxTurns: DEFAULTS.maxTurns });
  expect(ir.models['m']).toEqual({ pool: 'default', model: 'x', temperature: null, maxTokens: null, quantization: null });
  const [s, u, v] = ir.steps;
  expect(s).toMatchObject({ kind: 'llm', timeoutMs: DEFAULTS.llmTimeoutMs, name: 's', when: null, onError: 'fail', retry: null, system: null, outputSchema: null });
  expect(u).toMatchObject({ kind: 'tool', timeoutMs: DEFAULTS.toolTimeoutMs, with: {} });
  expect(v).toMatchObject({ kind: 'agent', timeoutMs: null });
});

test('the IR schema names the same step kinds and fields as dsl/ir.ts produces', () => {
  const defs: unknown = irSchema.$defs.step.oneOf;
  if (!Array.isArray(defs)) throw new Error('ir.schema.json: $defs.step.oneOf is not a list');
  const kinds = defs.map((d: { properties: { kind: { const: string } } }) => d.properties.kind.const);
  expect(kinds).toEqual([...STEP_KINDS]);
  // Every compiled step has exactly the fields its kind's schema requires.
  const base = irSchema.$defs.stepBase.required;
  for (const e of examples) {
    for (const s of walkSteps(compiled(e.text, e.name).steps)) {
      const def = defs[kinds.indexOf(s.kind)] as { required: string[] };
      expect(Object.keys(s).sort()).toEqual([...base, ...def.required].sort());
    }
  }
});

test('canonical JSON sorts keys at every depth and keeps a __proto__ key as data', () => {
  const value: unknown = JSON.parse('{"b": 1, "a": {"d": [2, {"z": 1, "y": null}], "c": "x"}, "__proto__": {"p": 1}}');
  expect(canonicalJson(value)).toBe('{"__proto__":{"p":1},"a":{"c":"x","d":[2,{"y":null,"z":1}]},"b":1}');
  expect(() => canonicalJson({ x: Infinity })).toThrow(RangeError);
});

test('anchors and aliases survive a merge that drops, changes or moves the anchored node', () => {
  const source = [
    'swarm: aliased',
    'version: 1',
    'models: { m: { model: x } }',
    'steps:',
    '  - id: first',
    '    set: { b: &shared { kind: object }, a: *shared }',
    '  - id: second',
    '    set: { c: *shared }',
    '',
  ].join('\n');
  const ir = compiled(source, 'aliased');
  const check = (edit: (ir: SwarmIR) => void): string => {
    const edited: SwarmIR = structuredClone(ir);
    edit(edited);
    const merged = irToYaml(edited, source);
    const { sha256: _a, ...want } = edited;
    const { sha256: _b, ...got } = compiled(merged, 'aliased');
    expect(got).toEqual(want);
    return merged;
  };
  const setStep = (s: StepIR | undefined): Extract<StepIR, { kind: 'set' }> => {
    if (s?.kind !== 'set') throw new Error('not a set step');
    return s;
  };
  // The anchored value is dropped: its aliases keep what they stood for.
  check((e) => { delete setStep(e.steps[0]).values['b']; });
  // The anchored value changes: the aliases do not follow it.
  check((e) => { setStep(e.steps[0]).values['b'] = { kind: 'array' }; });
  // The steps swap places: the alias now comes first and is written out.
  expect(check((e) => { e.steps.reverse(); e.steps.forEach((s, i) => { s.ptr = `/steps/${i}`; }); })).toContain('kind: object');
});
