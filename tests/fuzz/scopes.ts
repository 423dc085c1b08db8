/**
 * Scopes to evaluate expressions in: what a run could hold if its inputs and
 * its steps' outputs (model output, tool output: attacker-controlled) were
 * hostile. Own keys named like prototype members, big and deep data, odd
 * strings, and values JSON cannot hold (which the runtime must refuse, not
 * trip over). None holds a canary: a canary in a result came from the host.
 */
import type { Json } from '../../dsl/ir';
import { NAMES } from './expr-gen';

export interface NamedScope {
  name: string;
  scope: Record<string, Json>;
}

function parsed(text: string): Json {
  const v: unknown = JSON.parse(text);
  if (!isJson(v)) throw new Error('not JSON');
  return v;
}

function isJson(v: unknown): v is Json {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return true;
  if (Array.isArray(v)) return v.every(isJson);
  if (typeof v === 'object') return Object.values(v).every(isJson);
  return false;
}

function deep(n: number): Json {
  let v: Json = 'bottom';
  for (let i = 0; i < n; i++) v = { k: v, l: [i] };
  return v;
}

const stepIds = Array.from({ length: 12 }, (_, i) => `s${i}`);

function stepsOf(output: (i: number) => Json): Record<string, Json> {
  return Object.fromEntries(stepIds.map((id, i) => [id, { output: output(i), status: 'succeeded', iteration: i }]));
}

/** Every name an expression might read, bound to `value` (so evaluation gets past "unknown variable"). */
function everyName(value: (name: string) => Json): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const n of NAMES) Object.defineProperty(out, n, { value: value(n), enumerable: true, writable: true, configurable: true });
  return out;
}

export function hostileScopes(): NamedScope[] {
  const protoKeys = '{"__proto__": {"polluted": true, "isAdmin": true}, "constructor": {"prototype": {"polluted": true}}, "prototype": {"polluted": 1}, "toString": "x", "x": "a", "list": [{"__proto__": {"polluted": 2}}, "b"]}';
  const odd = ['\uD800', '\u0000', '\uFEFF', '\r\n', '\u202E', '}}', '${{ inputs.x }}', '`${process}`', '\\u005f'].join('|');
  const scopes: NamedScope[] = [
    {
      name: 'ordinary',
      scope: {
        ...everyName(() => 'plain'),
        inputs: { x: 'hello', list: [1, 'two', { k: null }], topic: 'fuzzing', count: 3 },
        steps: stepsOf((i) => (i % 2 === 0 ? `text ${i}` : { value: i, items: ['a', 'b'] })),
        run: { id: 'fuzz/0001', startedAt: '2026-01-01T00:00:00.000Z' },
        item: { module: 'core' },
        sub: 'sub',
        index: 0,
        iteration: 1,
      },
    },
    {
      name: 'prototype-keys',
      scope: {
        ...everyName(() => parsed(protoKeys)),
        inputs: parsed(protoKeys),
        steps: parsed(`{${stepIds.map((id) => `"${id}": {"output": ${protoKeys}, "status": "succeeded"}`).join(', ')}, "__proto__": {"output": 1}, "constructor": {"output": 2}}`),
        run: parsed('{"id": "fuzz/0002", "__proto__": {"id": "polluted"}}'),
        index: 0,
        iteration: 0,
      },
    },
    {
      name: 'big-and-deep',
      scope: {
        ...everyName(() => deep(40)),
        inputs: { x: 'x'.repeat(600_000), list: Array.from({ length: 5_000 }, (_, i) => i), topic: deep(300), count: 2 ** 53 - 1 },
        steps: stepsOf((i) => (i % 2 === 0 ? deep(250) : Array.from({ length: 2_000 }, () => 'y'.repeat(50)))),
        run: { id: 'fuzz/0003', startedAt: 'not a time' },
        index: -1,
        iteration: 1e308,
      },
    },
    {
      name: 'odd-strings',
      scope: {
        ...everyName(() => odd),
        inputs: { x: odd, list: odd.split('|'), topic: '', count: -0 },
        steps: stepsOf(() => odd),
        run: { id: odd, startedAt: odd },
        index: 0.5,
        iteration: -0,
      },
    },
  ];
  // Values JSON cannot hold, planted without a cast: the runtime must refuse them with an ExpressionError.
  const notJson: Record<string, Json> = { ...everyName(() => null), inputs: { x: 'a' }, steps: stepsOf(() => null), run: { id: 'fuzz/0005' }, index: 0, iteration: 0 };
  const inputs = notJson['inputs'];
  if (typeof inputs === 'object' && inputs !== null) {
    Object.defineProperty(inputs, 'fn', { value: () => 'called', enumerable: true });
    Object.defineProperty(inputs, 'big', { value: 10n, enumerable: true });
    Object.defineProperty(inputs, 'nan', { value: Number.NaN, enumerable: true });
    Object.defineProperty(inputs, 'undef', { value: undefined, enumerable: true });
    Object.defineProperty(inputs, 'date', { value: new Date(0), enumerable: true });
    Object.defineProperty(inputs, 'list', { value: [() => 'called', Symbol('s')], enumerable: true });
  }
  scopes.push({ name: 'not-json', scope: notJson });
  return scopes;
}
