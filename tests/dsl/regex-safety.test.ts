/**
 * dsl/regex-safety.ts: patterns that backtrack exponentially are refused,
 * common safe ones are accepted, and each refused one really is slow (the
 * check is tested against the engine, not only against itself).
 */
import fc from 'fast-check';
import { regexFinding, schemaPatterns, unsafePatterns, MAX_PATTERN_LENGTH } from '../../dsl/regex-safety';
import { validate } from '../../dsl';

const EVIL = [
  '^(a+)+$',
  '(a*)*b',
  '^(a|a)*$',
  '^(a|aa)+$',
  '^(a|ab)*c$',
  '^(\\w+\\s?)*$',
  '^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$',
  '^(\\.a+a+)+$',
  '(a?){2,}',
  '^(x+x+)+y$',
  '((a+)b?)+$',
  '^(.*?,){11}P',
  '^(a|)+$',
  '(\\d+|\\d+\\.)*$',
  '^(([a-z])+.)+[A-Z]([a-z])+$',
  '(?=(a+)+b)',
  '^(a)\\1*(a\\1)+$',
  '^(\\p{L}+)*$',
  '.*a.*a.*b',
  '^.*a.*a.*b$',
  'error.*line.*',
  '^\\s*\\s*\\s*x$',
];

const SAFE = [
  '^[a-z][a-z0-9-]{0,62}$',
  '^\\d{4}-\\d{2}-\\d{2}$',
  '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
  '^[\\w.+-]+@[\\w-]+(\\.[\\w-]+)+$',
  '^(?:[a-z0-9-]+\\.)+[a-z]{2,}$',
  '^(\\d{1,3}\\.){3}\\d{1,3}$',
  '^(https?|ftp)://[^\\s/$.?#].[^\\s]*$',
  '^(ab?)+$',
  '^(a|b)*$',
  '^[A-Z]{3}$',
  '^(?<year>\\d{4})-(?<month>\\d{2})$',
  '\\u{1F600}+',
  '^[\\u0041-\\u005A]+$',
  '^\\p{Lu}\\p{Ll}*$',
  '^(?!-)[a-z-]+$',
  'foo',
  '^(?:\\s*,\\s*[a-z]+)*$',
  '^.*@.*$',
  'foo.*bar',
  '\\berror\\b',
  '^[a-z]+(?:-[a-z]+)*$',
];

test.each(EVIL)('refuses %s', (p) => {
  const f = regexFinding(p);
  expect(f).not.toBeNull();
  expect(f?.reason).toMatch(/repeats|back-reference|repetitions in a row/);
  expect(p.slice(f?.offset ?? 0)).toContain((f?.fragment ?? '').replace(/\.\.\.$/, ''));
});

test.each(SAFE)('accepts %s', (p) => {
  expect(regexFinding(p)).toBeNull();
});

test('the refused ones it calls exponential are slow in the engine, and the accepted ones are not', () => {
  const time = (re: RegExp, s: string): number => {
    const t0 = process.hrtime.bigint();
    re.test(s);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  // 22 characters: enough to show doubling without making the test slow.
  expect(time(new RegExp('^(a+)+$', 'u'), `${'a'.repeat(22)}!`)).toBeGreaterThan(20);
  // Three overlapping repetitions, unanchored: n^4 (56 s at 500 characters).
  expect(time(new RegExp('.*a.*a.*b', 'u'), `${'a'.repeat(60)}!`)).toBeGreaterThan(time(new RegExp('foo.*bar', 'u'), `${'a'.repeat(60)}!`) * 5);
  for (const p of SAFE) expect(time(new RegExp(p, 'u'), `${'a'.repeat(2000)}!`)).toBeLessThan(200);
});

test('invalid, unanalysable and overlong patterns are refused with a reason', () => {
  expect(regexFinding('(')?.reason).toMatch(/not a valid regular expression.*u flag/);
  expect(regexFinding('\\-')?.reason).toMatch(/not a valid regular expression/);
  expect(regexFinding('a'.repeat(MAX_PATTERN_LENGTH + 1))?.reason).toMatch(/longer than 1024/);
});

test('schemaPatterns follows schema keywords, not data', () => {
  const schema = {
    type: 'object',
    properties: { pattern: { type: 'string', pattern: '^a$' }, x: { const: { pattern: '(a+)+' } } },
    patternProperties: { '^k-': { pattern: '^b$' } },
    $defs: { n: { items: [{ pattern: '^c$' }] } },
    default: { pattern: '(a+)+' },
  };
  expect(schemaPatterns(schema, '/inputs')).toEqual([
    { ptr: '/inputs/properties/pattern/pattern', pattern: '^a$', onKeys: false },
    { ptr: '/inputs/patternProperties/^k-', pattern: '^k-', onKeys: true },
    { ptr: '/inputs/patternProperties/^k-/pattern', pattern: '^b$', onKeys: false },
    { ptr: '/inputs/$defs/n/items/0/pattern', pattern: '^c$', onKeys: false },
  ]);
});

test('unsafePatterns locates each refused pattern and names it', () => {
  const problems = unsafePatterns([
    { schema: { properties: { x: { pattern: '^(a+)+$' } }, patternProperties: { '(b|b)*': {} } }, ptr: '/inputs' },
    { schema: { type: 'string', pattern: '^ok$' }, ptr: '/steps/0/output/schema' },
  ]);
  expect(problems).toEqual([
    { ptr: '/inputs/properties/x/pattern', at: 'value', message: expect.stringMatching(/^the pattern "\^\(a\+\)\+\$" of inputs\.properties\.x is refused \(at "\(a\+\)\+"\): it repeats a part that holds another repetition/) },
    { ptr: '/inputs/patternProperties/(b|b)*', at: 'key', message: expect.stringMatching(/^the patternProperties key "\(b\|b\)\*" of inputs is refused: it repeats a choice/) },
  ]);
});

test('the check itself is fast on hostile patterns of the maximum length', () => {
  const cjk = (n: number, suffix = ''): string => Array.from({ length: n }, (_, i) => `${String.fromCodePoint(0x4e00 + i)}${suffix}`).join('');
  const hostile = [`(?:${cjk(1000)}x*)+`, `(?:${'[a-z]x*'.repeat(140)})+`, `${'('.repeat(300)}a*${')*'.repeat(300)}`, `^${cjk(90, '*')}$`, `(?:${cjk(90, '?')}b)+`, `[${cjk(1000)}]+`];
  for (const p of hostile) regexFinding(p.slice(0, MAX_PATTERN_LENGTH)); // warm up the JIT
  const c0 = process.cpuUsage();
  for (const p of hostile) regexFinding(p.slice(0, MAX_PATTERN_LENGTH));
  const c = process.cpuUsage(c0);
  // CPU, not wall time: the CI machine is shared. About 30 ms in all when idle.
  expect((c.user + c.system) / 1000).toBeLessThan(600);
});

test('a definition with more pattern text than the budget is refused once, without analysing the rest', () => {
  const props = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p${i}`, { pattern: `^${'a'.repeat(1000)}$` }]));
  const problems = unsafePatterns([{ schema: { properties: props }, ptr: '/inputs' }]);
  expect(problems).toEqual([{ ptr: '/inputs/properties/p16/pattern', at: 'value', message: expect.stringMatching(/more than 16384 characters in all/) }]);
});

test('never throws: 3,000 random strings of regular-expression characters give a finding or null', () => {
  const alphabet = ['a', 'b', '.', '*', '+', '?', '|', '(', ')', '(?:', '(?=', '(?<!', '(?<n>', '[', ']', '^', '-', '\\', '\\d', '\\w', '\\s', '\\b', '\\1', '\\k<n>', '\\p{L}', '\\u{61}', '\\u0041', '\\x41', '\\cA', '{', '}', '{2}', '{1,}', '{0,3}', '$', ',', '\u{1F600}', '\\-', '\\]'];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 24 }), (parts) => {
      const f = regexFinding(parts.join(''));
      expect(f === null || typeof f.reason === 'string').toBe(true);
    }),
    { numRuns: 3_000, seed: 9 },
  );
});

test('validate reports SF114 at the pattern: a value in inputs, a patternProperties key, a nested step\'s output.schema', () => {
  const text = [
    'swarm: x',
    'version: 1',
    'inputs:',
    '  type: object',
    '  properties:',
    '    ok: { type: string, pattern: "^[a-z]+(-[a-z]+)*$" }',
    '  patternProperties:',
    '    "^(k|kk)+$": { type: string }',
    'models:',
    '  m: { model: kimi-k2.6 }',
    'steps:',
    '  - id: each',
    '    forEach: ${{ [1] }}',
    '    do:',
    '      - id: ask',
    '        llm: m',
    '        prompt: hi',
    '        output:',
    '          schema: { type: string, pattern: "(\\\\w+\\\\s?)*$" }',
    '',
  ].join('\n');
  const ds = validate(text, 'x.swarm.yaml');
  expect(ds.map((d) => [d.code, d.line, d.ptr])).toEqual([
    ['SF114', 8, '/inputs/patternProperties/^(k|kk)+$'],
    ['SF114', 19, '/steps/0/do/0/output/schema/pattern'],
  ]);
  expect(ds[0]?.col).toBe(5);
  // Quoted as JSON, as in a double-quoted YAML string.
  expect(ds[1]?.message).toContain(`the pattern ${JSON.stringify('(\\w+\\s?)*$')} of steps.0.do.0.output.schema is refused`);
});
