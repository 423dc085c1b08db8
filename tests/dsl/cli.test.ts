/** `swarmflow validate` and `swarmflow compile`: output and exit codes (0 valid, 1 invalid, 2 usage). */
import { mkdtempSync, readFileSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateCommand } from '../../cli/validate';
import { compileCommand } from '../../cli/compile';
import { EXAMPLES } from './helpers';

function capture(): { io: { out: (s: string) => void; err: (s: string) => void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s) => out.push(s), err: (s) => err.push(s) }, out, err };
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'swarmflow-dsl-cli-'));
  writeFileSync(join(dir, 'bad.swarm.yaml'), 'swarm: demo\nversion: 1\nsteps:\n  - id: a\n    agent: nobody\n    prompt: hi\n  - id: b\n    sleep: 0s\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('validate: valid files exit 0', async () => {
  const c = capture();
  const files = ['hello', 'refactor', 'all-steps'].map((n) => join(EXAMPLES, `${n}.swarm.yaml`));
  expect(await validateCommand(files, c.io)).toBe(0);
  expect(c.out).toEqual(files.map((f) => `${f}: valid`));
  expect(c.err).toEqual([]);
});

test('validate: every error as file:line:col: message, exit 1', async () => {
  const c = capture();
  const bad = join(dir, 'bad.swarm.yaml');
  expect(await validateCommand([join(EXAMPLES, 'hello.swarm.yaml'), bad], c.io)).toBe(1);
  expect(c.out).toEqual([
    `${join(EXAMPLES, 'hello.swarm.yaml')}: valid`,
    `${bad}:5:12: step "a" uses agent "nobody", which is not defined (agents: none)`,
    `${bad}:8:12: the "sleep" of step "b" is zero; use a positive duration such as 30s`,
  ]);
  expect(c.err).toEqual(['2 errors in 1 file']);
});

test('validate: a missing file or no file is a usage error, exit 2', async () => {
  const c = capture();
  expect(await validateCommand([join(dir, 'missing.swarm.yaml')], c.io)).toBe(2);
  expect(c.err[0]).toMatch(/cannot read .*missing\.swarm\.yaml/);
  expect(await validateCommand([], capture().io)).toBe(2);
});

test('validate --json gives machine-readable diagnostics', async () => {
  const c = capture();
  expect(await validateCommand([join(dir, 'bad.swarm.yaml')], c.io, { json: true })).toBe(1);
  const parsed: unknown = JSON.parse(c.out.join(''));
  expect(parsed).toMatchObject([{ valid: false, diagnostics: [{ line: 5, col: 12, code: 'SF203', ptr: '/steps/0/agent' }, { code: 'SF401' }] }]);
});

test('compile: prints the IR, or writes it with -o', async () => {
  const c = capture();
  expect(await compileCommand(join(EXAMPLES, 'hello.swarm.yaml'), c.io, {})).toBe(0);
  const ir: unknown = JSON.parse(c.out.join(''));
  expect(ir).toMatchObject({ irVersion: 1, name: 'hello', steps: [{ id: 'greet', kind: 'llm' }] });

  const out = join(dir, 'nested', 'hello.ir.json');
  const c2 = capture();
  expect(await compileCommand(join(EXAMPLES, 'hello.swarm.yaml'), c2.io, { out })).toBe(0);
  expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(ir);
  expect(c2.out[0]).toMatch(/-> .*hello\.ir\.json \(sha256 [0-9a-f]{64}\)/);
});

test('compile: errors go to stderr with exit 1; unreadable input or unwritable output exit 2', async () => {
  const c = capture();
  expect(await compileCommand(join(dir, 'bad.swarm.yaml'), c.io, {})).toBe(1);
  expect(c.out).toEqual([]);
  expect(c.err[0]).toMatch(/bad\.swarm\.yaml:5:12: step "a" uses agent "nobody"/);
  expect(await compileCommand(join(dir, 'nope.swarm.yaml'), capture().io, {})).toBe(2);
  const blocker = join(dir, 'file');
  writeFileSync(blocker, 'x');
  mkdirSync(join(dir, 'd'), { recursive: true });
  expect(await compileCommand(join(EXAMPLES, 'hello.swarm.yaml'), capture().io, { out: join(blocker, 'ir.json') })).toBe(2);
});
