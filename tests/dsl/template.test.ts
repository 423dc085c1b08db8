/** The `${{ }}` closing rule of docs/dsl.md. */
import { scanTemplate } from '../../dsl/template';

function exprs(s: string): string[] {
  const r = scanTemplate(s);
  if (!r.ok) throw new Error(`scan failed: ${r.reason} at ${r.offset}`);
  return r.parts.map((p) => (p.kind === 'expr' ? `{${p.src}}` : p.text));
}

test.each<[string, string[]]>([
  ['plain text', ['plain text']],
  ['${{ a }}', ['{a}']],
  ['x ${{ a }} y ${{b}}', ['x ', '{a}', ' y ', '{b}']],
  ['${{ {"a": {"b": 1}} }}', ['{{"a": {"b": 1}}}']],
  ['${{ "}}" }}', ['{"}}"}']],
  ["${{ '}}' + \"{{\" }} tail", ["{'}}' + \"{{\"}", ' tail']],
  ['${{ "a\\"}}" }}', ['{"a\\"}}"}']],
  ['${{ r"\\" }}', ['{r"\\"}']],
  ['${{ """ }} """ }}', ['{""" }} """}']],
  ['${{ {"k": "}}"} }}!', ['{{"k": "}}"}}', '!']],
  ['${{a}}${{b}}', ['{a}', '{b}']],
  ['$${{ a }}', ['$', '{a}']],
  ['{{ not }} ${ not }', ['{{ not }} ${ not }']],
])('%s', (input, want) => {
  expect(exprs(input)).toEqual(want);
});

test('an unclosed expression reports where it opens', () => {
  expect(scanTemplate('ab ${{ x')).toEqual({ ok: false, offset: 3, reason: 'unclosed' });
  expect(scanTemplate('${{ "}} ')).toEqual({ ok: false, offset: 0, reason: 'unclosed' });
});

test('an empty expression is an error', () => {
  expect(scanTemplate('a ${{   }} b')).toEqual({ ok: false, offset: 2, reason: 'empty' });
});

test('expression offsets point at the expression text', () => {
  const r = scanTemplate('Hi ${{  inputs.name }}!');
  expect(r.ok && r.parts[1]).toEqual({ kind: 'expr', src: 'inputs.name', at: 8 });
});
