/**
 * irToYaml writes long strings on one line (the fuzzer's dsl-irtoyaml-folding):
 * folded at 80-100 columns, a continuation line that started with "[" was
 * read as flow nesting by the pre-scan (SF003 on YAML we wrote), and a valid
 * document near 1 MiB grew past the limit by the folding's indentation.
 */
import { compile, irToYaml } from '../../dsl';
import { DOCUMENT_LIMITS, utf8Length } from '../../dsl/prescan';

const FILE = 'x.swarm.yaml';

function roundTrip(text: string): { yaml: string; back: ReturnType<typeof compile> } {
  const { ir, diagnostics } = compile(text, FILE);
  expect(diagnostics).toEqual([]);
  if (!ir) throw new Error('no IR');
  const yaml = irToYaml(ir);
  const back = compile(yaml, FILE);
  expect(back.diagnostics).toEqual([]);
  expect(back.ir?.sha256).toBe(ir.sha256);
  return { yaml, back };
}

test('a valid definition with a long string of brackets survives IR -> YAML -> IR', () => {
  const long = `words enough to make this line longer than eighty columns when it is written ${'['.repeat(70)}1${']'.repeat(70)} end`;
  const { yaml } = roundTrip(`swarm: x\nversion: 1\nsteps:\n  - id: a\n    set:\n      text: '${long}'\n`);
  // One line holds the whole string.
  expect(yaml.split('\n').some((l) => l.includes(long))).toBe(true);
});

test('long strings of words, quoted or plain, are never folded', () => {
  const words = 'word '.repeat(100).trim();
  const { yaml } = roundTrip(
    `swarm: x\nversion: 1\nsteps:\n  - id: a\n    set:\n      plain: ${words}\n      quoted: "${words}\\t"\n      single: '${words}: x'\n      lines: "${words}\\n${words}"\n`,
  );
  expect(yaml).toContain(`plain: ${words}\n`);
  // A double-quoted string stays on one line, its newlines written as \n.
  expect(yaml).toContain(`quoted: "${words}\\t"\n`);
  expect(yaml.split('\n').filter((l) => l.includes('word')).length).toBeLessThanOrEqual(5);
});

test('a valid document of long strings just under 1 MiB stays under it through IR -> YAML', () => {
  const nest = (n: number, inner: string): string => (n === 0 ? inner : `{ k: ${nest(n - 1, inner)} }`);
  const text = `swarm: x\nversion: 1\nsteps:\n  - id: a\n    set:\n      v: ${nest(8, `"${'word '.repeat(200_000)}"`)}\n`;
  const { yaml } = roundTrip(text);
  // Only the block indentation of the eight levels is added, not a line's worth per 80 columns.
  expect(utf8Length(yaml)).toBeLessThan(utf8Length(text) + 200);
  expect(utf8Length(yaml)).toBeLessThan(DOCUMENT_LIMITS.maxBytes);
});

test('a document whose block form would pass 1 MiB is written in the compact flow form', () => {
  // 170,000 lines of "a" as a JSON string: 0.5 MB here, 1.5 MB as an indented literal block.
  const value = 'a\n'.repeat(170_000);
  const text = `{"swarm": "x", "version": 1, "steps": [{"id": "a", "set": {"deeper": {"still": {"v": ${JSON.stringify(value)}}}}}]}\n`;
  expect(utf8Length(text)).toBeLessThan(DOCUMENT_LIMITS.maxBytes);
  const { yaml, back } = roundTrip(text);
  expect(utf8Length(yaml)).toBeLessThan(DOCUMENT_LIMITS.maxBytes);
  expect(yaml.startsWith('{')).toBe(true);
  expect(back.ir?.steps[0]).toMatchObject({ kind: 'set', values: { deeper: { still: { v: value } } } });
});

test('an ordinary definition is still written in block form', () => {
  const { yaml } = roundTrip(`swarm: x\nversion: 1\nsteps:\n  - id: a\n    set:\n      v: "one\\ntwo\\nthree and more text to pass forty"\n`);
  expect(yaml).toContain('steps:\n  - id: a\n');
  expect(yaml).toContain('v: |-\n');
});
