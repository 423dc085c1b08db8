/**
 * fast-check generators of valid swarm definitions: every step kind, nested
 * groups, expressions in scope, defaults sometimes spelled out.
 */
import fc from 'fast-check';
import { Document } from 'yaml';
import type { Json } from '../../dsl/ir';

type Def = { [key: string]: unknown };

// constantFrom, not stringMatching: regex-driven generation is slow enough to dominate the run.
const safeKey = fc.constantFrom('a', 'b', 'path', 'name', 'x1', 'long_key', 'Mixed', 'n2');
const text = fc.string({ maxLength: 30 }).filter((s) => !s.includes('${{'));
const leaf: fc.Arbitrary<Json> = fc.oneof(text, fc.integer({ min: -1e6, max: 1e6 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), fc.boolean(), fc.constant(null));
const json: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof({ maxDepth: 2 }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(safeKey, tie('v'), { maxKeys: 3 })),
})).v;
const duration = fc.tuple(fc.integer({ min: 1, max: 90 }), fc.constantFrom('ms', 's', 'm')).map(([n, u]) => `${n}${u}`);

/** Expressions that are valid where `locals` are in scope. */
function expression(locals: string[]): fc.Arbitrary<string> {
  const names = ['inputs.topic', 'inputs.count', 'run.id', 'steps.s0.output', 'steps.s0.status', ...locals];
  return fc.oneof(
    fc.constantFrom(...names),
    fc.constantFrom(...names).map((n) => `string(${n})`),
    fc.integer({ min: 0, max: 99 }).map((n) => `${n} + 1`),
    fc.constant('{"a": [1, 2], "b": {"c": "}}"}}'),
  );
}

function value(locals: string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    json,
    expression(locals).map((e) => `\${{ ${e} }}`),
    fc.tuple(text, expression(locals), text).map(([a, e, b]) => `${a}\${{ ${e} }}${b}`),
    fc.dictionary(safeKey, expression(locals).map((e) => `\${{ ${e} }}`), { maxKeys: 3 }),
    fc.constant({ $schema: 'kept literally', type: 'object' }),
  );
}

const condition = (locals: string[]): fc.Arbitrary<unknown> =>
  fc.oneof(fc.boolean(), fc.constantFrom('inputs.flag', 'steps.s0.status == "succeeded"', ...locals.map((l) => (l === 'iteration' || l === 'index' ? `${l} >= 0` : `${l} != null`))).map((e) => `\${{ ${e} }}`));

interface Ctx {
  locals: string[];
  depth: number;
}

function optional(step: Def, extra: fc.Arbitrary<Partial<Def>>): fc.Arbitrary<Def> {
  return extra.map((e) => ({ ...step, ...e }));
}

function common(ctx: Ctx): fc.Arbitrary<Partial<Def>> {
  return fc.record(
    { name: fc.constantFrom('Label', 'Step A', 'Review it'), when: condition(ctx.locals), onError: fc.constantFrom('fail', 'continue') },
    { requiredKeys: [] },
  );
}

const retry = fc.oneof(
  fc.integer({ min: 1, max: 5 }),
  fc.record({ maxAttempts: fc.integer({ min: 1, max: 5 }), initialInterval: fc.constantFrom('1s', '2s'), backoffCoefficient: fc.constantFrom(1.5, 2, 3), maxInterval: fc.constantFrom('1m', '10m') }, { requiredKeys: ['maxAttempts'] }),
);
const activity = fc.record({ timeout: duration, retry }, { requiredKeys: [] });

function step(ctx: Ctx): fc.Arbitrary<Def> {
  const leaves: fc.Arbitrary<Def>[] = [
    fc.tuple(value(ctx.locals), fc.option(fc.constant({ schema: { type: 'object' } }), { nil: undefined })).chain(([prompt, output]) =>
      optional(output === undefined ? { agent: 'a0', prompt } : { agent: 'a0', prompt, output }, activity),
    ),
    fc.tuple(value(ctx.locals), fc.option(value(ctx.locals), { nil: undefined })).chain(([prompt, system]) =>
      optional(system === undefined ? { llm: 'm0', prompt } : { llm: 'm0', prompt, system }, activity),
    ),
    fc.option(fc.dictionary(safeKey, value(ctx.locals), { maxKeys: 3 }), { nil: undefined }).chain((w) => optional(w === undefined ? { tool: 't0' } : { tool: 't0', with: w }, activity)),
    fc.record({ signal: fc.constantFrom('approve', 'resume'), timeout: duration }, { requiredKeys: ['signal'] }).map((w) => ({ waitFor: w })),
    duration.map((d) => ({ sleep: d })),
    fc.dictionary(safeKey, value(ctx.locals), { minKeys: 1, maxKeys: 3 }).map((s) => ({ set: s })),
    fc.record({ name: fc.constantFrom('learned', 'notes'), from: fc.constant('s0'), description: text }, { requiredKeys: ['name', 'from'] }).map((c) => ({ captureSkill: c })),
    fc.tuple(fc.constantFrom('other', 'review@2'), fc.option(value(ctx.locals), { nil: undefined })).map(([s, w]) => (w === undefined ? { swarm: s } : { swarm: s, with: w })),
  ];
  if (ctx.depth >= 2) return fc.oneof(...leaves).chain((s) => optional(s, common(ctx)));
  const inner = (locals: string[]): fc.Arbitrary<Def[]> => fc.array(step({ locals, depth: ctx.depth + 1 }), { minLength: 1, maxLength: 3 });
  const groups: fc.Arbitrary<Def>[] = [
    fc.tuple(fc.constantFrom('item', 'sub', 'q'), fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined })).chain(([as, concurrency]) =>
      inner([...ctx.locals, as, 'index']).map((body) => ({
        forEach: '${{ inputs.list }}',
        ...(as === 'item' ? {} : { as }),
        ...(concurrency === undefined ? {} : { concurrency }),
        do: body,
      })),
    ),
    inner(ctx.locals).map((b) => ({ parallel: b })),
    inner(ctx.locals).map((b) => ({ sequence: b })),
    fc.tuple(condition(ctx.locals), inner(ctx.locals), fc.option(inner(ctx.locals), { nil: undefined })).map(([c, t, e]) => (e === undefined ? { if: c, then: t } : { if: c, then: t, else: e })),
    fc.tuple(fc.integer({ min: 1, max: 50 }), inner([...ctx.locals, 'iteration'])).map(([n, body]) => ({ loop: { until: '${{ iteration >= 2 }}', maxIterations: n, do: body } })),
  ];
  return fc.oneof(...leaves, ...groups).chain((s) => optional(s, common(ctx)));
}

/** Assigns ids s0, s1... in file order, so ids are unique and s0 exists. */
function numberSteps(steps: Def[], counter = { n: 0 }): Def[] {
  return steps.map((s) => {
    const out: Def = { id: `s${counter.n++}` };
    for (const [k, v] of Object.entries(s)) {
      if (['do', 'then', 'else', 'parallel', 'sequence'].includes(k) && Array.isArray(v)) out[k] = numberSteps(v as Def[], counter);
      else if (k === 'loop' && typeof v === 'object' && v !== null) {
        const loop = { ...(v as Def) };
        loop['do'] = numberSteps(loop['do'] as Def[], counter);
        out[k] = loop;
      } else out[k] = v;
    }
    return out;
  });
}

export const definition: fc.Arbitrary<Def> = fc
  .record({
    steps: fc.array(step({ locals: [], depth: 0 }), { minLength: 1, maxLength: 4 }),
    version: fc.integer({ min: 1, max: 1000 }),
    limits: fc.record({ maxSubAgents: fc.constantFrom(300, 500), maxSteps: fc.integer({ min: 1, max: 10000 }), deadline: fc.constantFrom('12h', '2d', '720m'), tokens: fc.integer({ min: 1, max: 1e9 }) }, { requiredKeys: [] }),
    temperature: fc.option(fc.double({ min: 0, max: 2, noNaN: true }), { nil: undefined }),
    description: fc.option(text, { nil: undefined }),
    output: fc.option(value([]), { nil: undefined }),
    explicitDefaults: fc.boolean(),
  })
  .map((d) => {
    const def: Def = {
      swarm: 'generated',
      version: d.version,
      ...(d.description === undefined ? {} : { description: d.description }),
      inputs: { type: 'object', properties: { topic: { type: 'string' }, list: { type: 'array' } } },
      limits: d.limits,
      models: { m0: d.temperature === undefined ? { model: 'kimi-k2.6' } : { model: 'kimi-k2.6', temperature: d.temperature }, m1: { pool: d.explicitDefaults ? 'default' : 'gpu', model: 'other' } },
      tools: { t0: { uses: 'fs.read', ...(d.explicitDefaults ? { with: {} } : {}) }, t1: { uses: 'shell', with: { allow: ['npm test'], timeout: '10m' } } },
      skills: ['learned@^1', 'notes'],
      agents: { a0: { model: 'm0', tools: ['t0', 't1'], skills: ['learned'], ...(d.explicitDefaults ? { maxTurns: 20, instructions: '' } : {}) } },
      // s0 is a plain llm step, so captureSkill from s0 never names itself.
      steps: numberSteps([{ llm: 'm0', prompt: 'start' }, ...d.steps]),
    };
    if (d.output !== undefined) def['output'] = d.output;
    return def;
  });

export function toYaml(def: unknown): string {
  return new Document(def).toString();
}

/** The same data with every mapping's keys in reverse order. */
export function reverseKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)]));
  return v;
}
