/**
 * A definition with thousands of schema errors: checked in time linear in its
 * size (#3/#9: 16,000 unknown-kind steps took 26 s of CPU in the ajv step), and
 * reported as the first MAX_DIAGNOSTICS problems plus one line counting the rest.
 */
import { validate } from '../../dsl';
import type { Diagnostic } from '../../dsl';
import { MAX_DIAGNOSTICS } from '../../dsl/validate';
import { schemaProblems } from '../../dsl/schema-check';
import { BoundedCache } from '../../dsl/bounded-cache';

/** `n` steps with no kind key and an unknown key: two problems each. */
function unknownKindSteps(n: number): string {
  const lines = ['swarm: many', 'version: 1', 'steps:'];
  for (let i = 0; i < n; i++) lines.push(`  - { id: s${i}, nope: 1 }`);
  return lines.join('\n') + '\n';
}

/** The same, as data, nested in a forEach's `do` so the nested lists are covered too. */
function unknownKindData(n: number): unknown {
  const steps = Array.from({ length: n }, (_, i) => ({ id: `s${i}`, nope: 1 }));
  return { swarm: 'many', version: 1, steps: [{ id: 'each', forEach: [1], do: steps }] };
}

function cpuMs<T>(fn: () => T): { ms: number; result: T } {
  const start = process.cpuUsage();
  const result = fn();
  const used = process.cpuUsage(start);
  return { ms: (used.user + used.system) / 1000, result };
}

/** Elements copied by Array.prototype.concat while `fn` runs: ajv joins a callee's errors to its own with concat. */
function concatCopies(fn: () => void): number {
  const original = Array.prototype.concat;
  let copied = 0;
  Array.prototype.concat = function (this: unknown[], ...items: unknown[]): unknown[] {
    copied += this.length;
    for (const item of items) copied += Array.isArray(item) ? item.length : 1;
    return original.apply(this, items);
  };
  try {
    fn();
  } finally {
    Array.prototype.concat = original;
  }
  return copied;
}

beforeAll(() => {
  // Compile ajv and warm the code paths so the budgets measure the checks.
  validate(unknownKindSteps(50), 'warm.swarm.yaml');
});

test('16,000 unknown-kind steps validate within 5 s of CPU (was 26 s), as the first 200 problems and one counting the rest', () => {
  const text = unknownKindSteps(16_000);
  const { ms, result } = cpuMs(() => validate(text, 'many.swarm.yaml'));
  // Was 26 s. Plain node takes about 1.2 s (half of it parsing the YAML twice,
  // once for data and once for positions); jest's sandbox makes every global
  // lookup slower, about 3 s here on a loaded machine, so the budget is 5 s.
  // The two linearity tests below are the sharp ones.
  expect(ms).toBeLessThan(5000);
  expect(result.length).toBe(MAX_DIAGNOSTICS + 1);
  const last = result.at(-1);
  expect(last?.code).toBe('SF013');
  expect(last?.message).toBe('31,800 more problems not shown; fix the ones above and validate again');
  // The ones shown are the first in file order: the first 100 steps, two each.
  const shown = result.slice(0, -1);
  expect(shown.map((d) => d.line)).toEqual(shown.map((_, i) => 4 + Math.floor(i / 2)));
  expect(shown.filter((d) => d.code === 'SF106').length).toBe(100);
  expect(shown.filter((d) => d.code === 'SF102').length).toBe(100);
});

test('the cap: 200 problems are all shown; 202 show 200 and "2 more problems not shown"', () => {
  const exactly = validate(unknownKindSteps(100), 'cap.swarm.yaml');
  expect(exactly.length).toBe(200);
  expect(exactly.some((d) => d.code === 'SF013')).toBe(false);

  const over = validate(unknownKindSteps(101), 'cap.swarm.yaml');
  expect(over.length).toBe(201);
  expect(over.slice(0, 200)).toEqual(exactly);
  const more: Diagnostic | undefined = over[200];
  expect(more).toMatchObject({ file: 'cap.swarm.yaml', code: 'SF013', ptr: '', message: '2 more problems not shown; fix the ones above and validate again' });
  expect(more?.line).toBe(over[199]?.line);

  const one = validate(unknownKindSteps(101).replace('  - { id: s100, nope: 1 }', '  - { id: s100, sleep: 1s, nope: 1 }'), 'cap.swarm.yaml');
  expect(one.at(-1)?.message).toBe('1 more problem not shown; fix the ones above and validate again');
});

test('the schema check does work linear in the number of failing steps (elements copied by concat)', () => {
  // The spy sees the arrays of this realm (where ajv's generated code runs too):
  // the whole-schema validator copied 30 million elements for 2,000 such steps.
  expect(concatCopies(() => [1].concat([2, 3]))).toBe(3);
  const small = concatCopies(() => schemaProblems(unknownKindData(2_000)));
  const large = concatCopies(() => schemaProblems(unknownKindData(8_000)));
  // Linear: 4x the steps, at most 4x the copies (none at all now, as no step's
  // errors are appended to another's). The quadratic code copied ~16x.
  expect(large).toBeLessThanOrEqual(small * 5 + 1000);
});

test('the schema check time scales linearly: time(8k) < 8 x time(2k) + slack', () => {
  const best = (n: number): number => {
    const data = unknownKindData(n);
    return Math.min(cpuMs(() => schemaProblems(data)).ms, cpuMs(() => schemaProblems(data)).ms);
  };
  const t2 = best(2_000);
  const t8 = best(8_000);
  // Linear is 4x; quadratic was 16x. 8x leaves room for a noisy machine.
  expect(t8).toBeLessThan(8 * t2 + 300);
});

test('nested steps still get their own messages at their own pointers', () => {
  const problems = schemaProblems(unknownKindData(3));
  expect(problems.map((p) => `${p.code} ${p.ptr}`).sort()).toEqual([
    'SF102 /steps/0/do/0/nope',
    'SF102 /steps/0/do/1/nope',
    'SF102 /steps/0/do/2/nope',
    'SF106 /steps/0/do/0',
    'SF106 /steps/0/do/1',
    'SF106 /steps/0/do/2',
  ]);
  expect(problems.find((p) => p.ptr === '/steps/0/do/1/nope')?.message).toBe(
    'step "s1" has unknown key "nope"; expected one of: id, name, when, onError, agent, prompt, output, timeout, retry, llm, system, tool, with, forEach, as, concurrency, do, parallel, sequence, if, then, else, loop, waitFor, sleep, set, captureSkill, swarm',
  );
});

describe('BoundedCache (the expression caches)', () => {
  /** Hits over `passes` visits of `keys` in the same order, storing each miss, as validation does. */
  function hits(cache: BoundedCache<number>, keys: readonly string[], passes: number): number[] {
    const out: number[] = [];
    for (let p = 0; p < passes; p++) {
      let h = 0;
      for (const k of keys) {
        if (cache.get(k) !== undefined) h++;
        else cache.set(k, 1);
      }
      out.push(h);
    }
    return out;
  }
  const keys = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

  test('a file with more distinct expressions than the cache holds keeps a full cache of hits on each pass', () => {
    // Emptying at the limit (the old cache) or LRU would hit 0 of these 150 on every pass.
    expect(hits(new BoundedCache<number>(100), keys('k', 150), 4)).toEqual([0, 100, 100, 100]);
  });

  test('a working set that fits is kept whole', () => {
    expect(hits(new BoundedCache<number>(100), keys('k', 100), 3)).toEqual([0, 100, 100]);
  });

  test('entries no longer read make room for a new file\'s expressions, and the size stays bounded', () => {
    const cache = new BoundedCache<number>(100);
    hits(cache, keys('old', 100), 1);
    const later = hits(cache, keys('new', 80), 4);
    expect(later.at(-1)).toBe(80);
    expect(cache.size).toBeLessThanOrEqual(100);
    for (let i = 0; i < 10_000; i++) cache.set(`x${i}`, i);
    expect(cache.size).toBeLessThanOrEqual(100);
  });
});
