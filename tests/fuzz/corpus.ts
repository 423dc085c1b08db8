/**
 * The hostile corpus (tests/fixtures/hostile) and the seed definitions the
 * mutators start from: the examples, the invalid-definition fixtures and the
 * hostile documents.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const REPO = join(__dirname, '..', '..');
export const HOSTILE = join(REPO, 'tests', 'fixtures', 'hostile');

export interface CorpusDocument {
  name: string;
  text: string;
  /** From the `# expect:` first line: `valid`, `refused`, or codes that must all be reported. */
  expect: { kind: 'valid' } | { kind: 'refused'; codes: string[] };
}

/** Thrown when a corpus file does not say what it expects. */
export class CorpusFormatError extends Error {
  constructor(file: string, why: string) {
    super(`${file}: ${why}`);
    this.name = 'CorpusFormatError';
  }
}

function readDir(dir: string, suffix: string): { name: string; text: string }[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith(suffix));
  } catch {
    return [];
  }
  return names.sort().map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}

/** Hand-written hostile definitions, each with what it must give. */
export function hostileDocuments(): CorpusDocument[] {
  return readDir(join(HOSTILE, 'documents'), '.swarm.yaml').map(({ name, text }) => {
    const first = text.split('\n', 1)[0] ?? '';
    const m = /^# expect: (.+)$/.exec(first);
    if (!m || m[1] === undefined) throw new CorpusFormatError(name, 'no "# expect:" first line ("# expect: valid", "# expect: refused" or "# expect: SF005 SF102 ...")');
    const words = m[1].trim().split(/\s+/);
    if (words.length === 1 && words[0] === 'valid') return { name, text, expect: { kind: 'valid' } };
    if (words.length === 1 && words[0] === 'refused') return { name, text, expect: { kind: 'refused', codes: [] } };
    if (!words.every((w) => /^SF\d{3}$/.test(w))) throw new CorpusFormatError(name, `"${m[1]}" is not valid, refused or a list of codes`);
    return { name, text, expect: { kind: 'refused', codes: words } };
  });
}

/** The expression-escape payloads: one expression per line, `#` lines are comments. */
export function escapePayloads(): string[] {
  const text = readFileSync(join(HOSTILE, 'expressions.txt'), 'utf8');
  return text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

/** Every definition a mutation can start from. */
export function seedDocuments(): { name: string; text: string }[] {
  return [
    ...readDir(join(REPO, 'examples'), '.swarm.yaml').map((d) => ({ ...d, name: `examples/${d.name}` })),
    ...readDir(join(REPO, 'tests', 'fixtures', 'dsl', 'invalid'), '.swarm.yaml').map((d) => ({ ...d, name: `invalid/${d.name}` })),
    ...hostileDocuments().map((d) => ({ name: `hostile/${d.name}`, text: d.text })),
  ];
}

/**
 * Raw HTTP requests (tests/fixtures/hostile/http/*.http), byte for byte:
 * the first line names the status of each answer (`# expect: 400`, or
 * `# expect: 200,400` for two pipelined requests), leading `#` lines are comments, each line ends in CRLF on the wire, and
 * `{{KEY}}` (a valid admin key), `{{PORT}}`, `{{NUL}}`, `{{CR}}` and
 * `{{REPEAT:c:n}}` are filled in. Bytes are kept as they are (latin1), so a
 * file may hold bytes that are not UTF-8.
 */
export function rawRequests(fill: { key: string; port: number }): { name: string; bytes: Buffer; expect: number[] }[] {
  const dir = join(HOSTILE, 'http');
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.http'));
  } catch {
    return [];
  }
  return names.sort().map((name) => {
    const lines = readFileSync(join(dir, name), 'latin1').split('\n');
    const m = /^# expect: ([0-9, ]+)$/.exec(lines[0] ?? '');
    if (!m || m[1] === undefined) throw new CorpusFormatError(name, 'no "# expect: <status>[,<status>...]" line (one status per answer)');
    const expect = m[1].split(',').map((x) => Number(x.trim()));
    while (lines[0]?.startsWith('#')) lines.shift();
    const text = lines
      .join('\r\n')
      .replace(/\{\{KEY\}\}/g, fill.key)
      .replace(/\{\{PORT\}\}/g, String(fill.port))
      .replace(/\{\{NUL\}\}/g, '\u0000')
      .replace(/\{\{CR\}\}/g, '\r')
      .replace(/\{\{REPEAT:(.):(\d+)\}\}/g, (_m, c: string, n: string) => c.repeat(Number(n)));
    return { name, bytes: Buffer.from(text, 'latin1'), expect };
  });
}
