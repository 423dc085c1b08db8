/**
 * Run-time evaluation (dsl/expr.ts): types back to JSON, interpolation,
 * has(), and escapes that must stay harmless.
 */
import { evaluateExpr, evaluateValue, ExpressionError, EXPR_LIMITS } from '../../dsl/expr';
import type { Json } from '../../dsl/ir';
import { checkExpression } from '../../dsl/expr-check';
import { timed } from './helpers';

const scope: Record<string, Json> = {
  inputs: { task: 'refactor', breadth: 3, ratio: 0.5, tags: ['a', 'b'], nested: { deep: { x: 1 } }, nothing: null },
  steps: {
    plan: { output: [{ module: 'a', change: 'x' }, { module: 'b', change: 'y' }], status: 'succeeded' },
    check: { output: { exitCode: 0, stdout: 'ok' }, status: 'succeeded' },
    grind: { output: 'last', status: 'succeeded', iteration: 4 },
  },
  run: { id: 'run-1', startedAt: '2026-01-01T00:00:00.000Z' },
  sub: { module: 'core', change: 'rename' },
  index: 2,
  iteration: 3,
};

describe('types come back as plain JSON', () => {
  test.each<[string, Json]>([
    ['1 + 2', 3],
    ['7 / 2', 3],
    ['7.0 / 2.0', 3.5],
    ['inputs.breadth * 2', 6],
    ['inputs.ratio + 0.25', 0.75],
    ['"a" + "b"', 'ab'],
    ['inputs.tags', ['a', 'b']],
    ['inputs.tags.size()', 2],
    ['[1, "two", 3.5, true, null]', [1, 'two', 3.5, true, null]],
    ['{"k": [1, {"n": null}]}', { k: [1, { n: null }] }],
    ['inputs.nested.deep', { x: 1 }],
    ['inputs.nothing', null],
    ['steps.plan.output.map(p, p.module)', ['a', 'b']],
    ['steps.check.output.exitCode == 0', true],
    ['steps.grind.iteration', 4],
    ['run.id + "@" + run.startedAt', 'run-1@2026-01-01T00:00:00.000Z'],
    ['sub.module', 'core'],
    ['index + iteration', 5],
    ['inputs.breadth == 3.0', true],
    ['inputs.breadth > 2.5', true],
    ['timestamp("2024-02-03T04:05:06Z")', '2024-02-03T04:05:06.000Z'],
    ['duration("90s")', '90s'],
    ['9007199254740991', 9007199254740991],
    ['cel.bind(x, inputs.breadth, x * x)', 9],
  ])('%s', (src, want) => {
    expect(evaluateExpr(src, scope)).toEqual(want);
  });

  test('a CEL int beyond the exact range of JSON numbers is an error, not a rounded number', () => {
    expect(() => evaluateExpr('9007199254740992', scope)).toThrow(/outside the range of exact JSON numbers/);
    expect(() => evaluateExpr('9223372036854775807', scope)).toThrow(ExpressionError);
  });

  test('non-JSON results are errors that say what to do', () => {
    expect(() => evaluateExpr('1.0 / 0.0', scope)).toThrow(/not a JSON number/);
    expect(() => evaluateExpr('b"abc"', scope)).toThrow(/bytes.*base64/);
    expect(() => evaluateExpr('type(1)', scope)).toThrow(/no JSON form/);
  });

  test('evaluation errors name the expression and the reason', () => {
    try {
      evaluateExpr('steps.check.output.missing', scope);
      throw new Error('no error');
    } catch (err) {
      expect(err).toBeInstanceOf(ExpressionError);
      if (!(err instanceof ExpressionError)) return;
      expect(err.expression).toBe('steps.check.output.missing');
      expect(err.message).toBe('expression "steps.check.output.missing" failed: no such key: missing');
    }
    expect(() => evaluateExpr('1 / 0', scope)).toThrow(/division by zero/i);
    expect(() => evaluateExpr('inputs.tags[5]', scope)).toThrow(/index out of bounds/);
  });
});

describe('has() and steps that have not run', () => {
  test('has() tells present fields from absent ones', () => {
    expect(evaluateExpr('has(inputs.breadth)', scope)).toBe(true);
    expect(evaluateExpr('has(inputs.width)', scope)).toBe(false);
    expect(evaluateExpr('has(inputs.breadth) ? inputs.breadth : 20', scope)).toBe(3);
    expect(evaluateExpr('has(inputs.width) ? inputs.width : 20', scope)).toBe(20);
    expect(evaluateExpr('has(steps.check.output.exitCode)', scope)).toBe(true);
  });

  test('a step that has not run reads as skipped with a null output', () => {
    expect(evaluateExpr('steps.later.status', scope)).toBe('skipped');
    expect(evaluateExpr('steps.later.output', scope)).toBeNull();
    expect(evaluateExpr('steps.later.output == null', scope)).toBe(true);
  });
});

describe('values of the IR', () => {
  test('templates interpolate strings as text, null as nothing, the rest as JSON', () => {
    const v = { $tmpl: ['Task ', { $expr: 'inputs.task' }, ', tags ', { $expr: 'inputs.tags' }, ', n ', { $expr: 'inputs.breadth' }, ', none "', { $expr: 'inputs.nothing' }, '"'] };
    expect(evaluateValue(v, scope)).toBe('Task refactor, tags ["a","b"], n 3, none ""');
  });

  test('maps and lists are evaluated member by member; $lit is taken literally', () => {
    const v = {
      prompt: { $expr: 'sub.change' },
      list: [1, { $expr: 'index' }, 'text'],
      schema: { $lit: { $expr: 'not evaluated', $ref: '#/x' } },
    };
    expect(evaluateValue(v, scope)).toEqual({ prompt: 'rename', list: [1, 2, 'text'], schema: { $expr: 'not evaluated', $ref: '#/x' } });
  });

  test('the whole value is capped at 1 MiB', () => {
    const big: Record<string, Json> = { inputs: { s: 'x'.repeat(600_000) } };
    expect(() => evaluateValue([{ $expr: 'inputs.s' }, { $expr: 'inputs.s' }], big)).toThrow(/larger than/);
    expect(() => evaluateExpr('inputs.s + inputs.s', big)).toThrow(/larger than/);
    expect(EXPR_LIMITS.maxResultSize).toBe(1024 * 1024);
  });

  test('evaluation is deterministic', () => {
    const v = { $tmpl: [{ $expr: 'steps.plan.output.map(p, p.module + ":" + p.change)' }] };
    expect(evaluateValue(v, scope)).toEqual(evaluateValue(v, scope));
  });
});

describe('escapes stay harmless', () => {
  test.each(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'])('%s is an ordinary missing key', (key) => {
    expect(() => evaluateExpr(`inputs.${key}`, scope)).toThrow(ExpressionError);
    expect(() => evaluateExpr(`inputs["${key}"]`, scope)).toThrow(ExpressionError);
    expect(() => evaluateExpr(`inputs.task.${key}`, scope)).toThrow(ExpressionError);
    expect(() => evaluateExpr(`inputs.tags.${key}`, scope)).toThrow(ExpressionError);
    expect(evaluateExpr(`has(inputs.${key})`, scope)).toBe(false);
  });

  test('an own key named like a prototype member is plain data', () => {
    const s: Record<string, Json> = { inputs: JSON.parse('{"__proto__": {"polluted": true}, "constructor": "c"}') as Json };
    expect(evaluateExpr('inputs.constructor', s)).toBe('c');
    expect(evaluateExpr('inputs["__proto__"].polluted', s)).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  test('map literals cannot set a prototype', () => {
    const out = evaluateExpr('{"__proto__": {"polluted": true}, "a": 1}', scope);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  test('template-literal and JavaScript syntax are not expressions', () => {
    expect(() => evaluateExpr('`${process.exit(1)}`', scope)).toThrow(/does not parse/);
    expect(() => evaluateExpr('this.constructor.constructor("return process")()', scope)).toThrow(ExpressionError);
    expect(() => evaluateExpr('inputs.task.constructor.constructor("return 1")()', scope)).toThrow(ExpressionError);
    expect(() => evaluateExpr('globalThis', scope)).toThrow(/unknown variable/i);
    expect(() => evaluateExpr('process', scope)).toThrow(/unknown variable/i);
    expect(() => evaluateExpr('require("fs")', scope)).toThrow(ExpressionError);
  });

  test('unicode and hex escapes are just characters', () => {
    expect(evaluateExpr('"\\u0041\\x42\\103"', scope)).toBe('ABC');
    expect(evaluateExpr('"\\u005f\\u005fproto\\u005f\\u005f"', scope)).toBe('__proto__');
    expect(() => evaluateExpr('inputs["\\u005f\\u005fproto\\u005f\\u005f"]', scope)).toThrow(/no such key/);
    expect(evaluateExpr('"${{ not an expression }}"', scope)).toBe('${{ not an expression }}');
  });

  test('an IR value that reads the same expression twice is not confused with a literal', () => {
    expect(evaluateValue({ $tmpl: ['${{ inputs.task }}'] }, scope)).toBe('${{ inputs.task }}');
  });
});

describe('budgets', () => {
  test('nested macros over lists stop at the cost budget, quickly', () => {
    const list = `[${Array.from({ length: 10 }, (_, i) => i).join(', ')}]`;
    let bomb = 'a';
    for (const v of 'abcdefg') bomb = `${list}.map(${v}, ${bomb})`;
    expect(() => evaluateExpr(`${bomb}.size()`, scope)).toThrow(/evaluation steps/); // warm the JIT
    const { ms } = timed(() => expect(() => evaluateExpr(bomb, scope)).toThrow(/more than [\d,]+ evaluation steps/));
    expect(ms).toBeLessThan(1000);
  });

  test('a quantifier cannot swallow the budget error', () => {
    const list = `[${Array.from({ length: 10 }, (_, i) => i).join(', ')}]`;
    let bomb = 'a == 11';
    for (const v of 'abcdefgh') bomb = `${list}.exists(${v}, ${bomb})`;
    expect(() => evaluateExpr(bomb, scope)).toThrow(/evaluation steps/);
    expect(() => evaluateExpr(`true || ${bomb}`, scope)).not.toThrow();
    expect(() => evaluateExpr(`${bomb} || true`, scope)).toThrow(/evaluation steps/);
  });

  test('strings cannot double their way to gigabytes', () => {
    const s: Record<string, Json> = { inputs: { s: 'x'.repeat(1_000_000) } };
    const doubling = 'cel.bind(a, inputs.s + inputs.s, cel.bind(b, a + a, cel.bind(c, b + b, c + c))).size()';
    // Whichever stops it first: the cost of what was built, or the cap on one string.
    expect(() => evaluateExpr(doubling, s)).toThrow(/evaluation steps|builds a string or list longer than/);
  });

  test('expressions longer than the limit are refused', () => {
    expect(() => evaluateExpr('1 + '.repeat(3000) + '1', scope)).toThrow(/longer than/);
  });

  test('time-zone methods, which could differ between workers, are refused', () => {
    expect(() => evaluateExpr('timestamp("2024-01-01T00:00:00Z").getHours("America/New_York")', scope)).toThrow(/not allowed/);
    expect(evaluateExpr('timestamp("2024-01-01T05:00:00Z").getHours()', scope)).toBe(5);
  });
});

describe('compile-time checks', () => {
  const facts = { stepIds: new Set(['plan', 'grind']), loopIds: new Set(['grind']), itemNames: new Set(['sub']) };
  const scopes = [
    { locals: [] as [string, 'dyn' | 'int'][], inLoop: false, inForEach: false },
    { locals: [['sub', 'dyn'], ['index', 'int'], ['iteration', 'int']] as [string, 'dyn' | 'int'][], inLoop: true, inForEach: true },
  ];
  test.each([
    'inputs', 'inputs.a', 'inputs.a.b.c', 'steps.plan.output', 'steps.plan.output.x', 'steps.plan.status', 'steps.plan.iteration',
    'steps.grind.iteration', 'steps.grind.status.x', 'steps.nope.output', 'steps.plan', 'steps', 'run.id', 'run.startedAt', 'run.other',
    'sub', 'sub.module', 'index', 'index.x', 'iteration', 'item', 'nope', 'inputs.in', 'inputs.constructor', 'cel',
  ])('the fast path for plain paths agrees with the full check: %s', (src) => {
    for (const scope of scopes) {
      const fast = checkExpression(src, scope, facts);
      const full = checkExpression(src, scope, facts, { fastPaths: false });
      expect({ type: fast.type, codes: fast.issues.map((i) => i.code) }).toEqual({ type: full.type, codes: full.issues.map((i) => i.code) });
    }
  });
});
