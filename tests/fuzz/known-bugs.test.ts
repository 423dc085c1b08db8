/**
 * Reproducers of the bugs the fuzzers found (known-bugs.ts), in files this
 * suite does not own. Each is `test.failing`: it states the right behaviour,
 * fails today, and so passes; when the fix lands it passes, jest reports
 * the `test.failing` as failed, and the entry is removed here and in
 * known-bugs.ts (the random fuzzers then fail on any relapse).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile, irToYaml } from '../../dsl';
import { HELLO, KEYS } from '../api/helpers';
import { apiFuzzer, type ApiFuzzer } from './api-fuzz';
import { exchange, serialise } from './api-harness';
import type { ApiRequest } from './api-gen';
import { HOSTILE } from './corpus';
import { KNOWN_BUGS } from './known-bugs';

const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);

function post(target: string, body: string): ApiRequest {
  return { app: 'keyed', method: 'POST', target, headers: [['Authorization', `Bearer ${KEYS.admin}`], ['Content-Type', 'application/json']], body: Buffer.from(body), bodyMode: 'length', label: 'known bug' };
}

describe('dsl-irtoyaml-folding', () => {
  const long = `words enough to make this line longer than eighty columns when it is written ${'['.repeat(70)}1${']'.repeat(70)} end`;

  test('the bug is listed', () => expect(KNOWN_BUGS['dsl-irtoyaml-folding']).toMatch(/prescan/));

  test.failing('a valid document of long strings just under 1 MiB stays under it through IR -> YAML', () => {
    const nest = (n: number, inner: string): string => (n === 0 ? inner : `{ k: ${nest(n - 1, inner)} }`);
    const text = `swarm: x\nversion: 1\nsteps:\n  - id: a\n    set:\n      v: ${nest(8, `"${'word '.repeat(200_000)}"`)}\n`;
    const { ir, diagnostics } = compile(text, 'x.swarm.yaml');
    expect(diagnostics).toEqual([]);
    if (!ir) return;
    // Folded at 80 columns, each line indented past the nesting: 1 MB of text becomes more than 1 MiB.
    expect(compile(irToYaml(ir), 'x.swarm.yaml').diagnostics).toEqual([]);
  });

  test.failing('a valid definition with a long string of brackets survives IR -> YAML -> IR', () => {
    const { ir, diagnostics } = compile(`swarm: x\nversion: 1\nsteps:\n  - id: a\n    set:\n      text: '${long}'\n`, 'x.swarm.yaml');
    expect(diagnostics).toEqual([]);
    if (!ir) return;
    // irToYaml folds the string; its continuation line starts with "[" and the pre-scan counts 70 levels.
    expect(compile(irToYaml(ir), 'x.swarm.yaml').diagnostics).toEqual([]);
  });

  test.failing('a plain scalar continued on a line that starts with "[" is not nesting', () => {
    const text = `swarm: x\nversion: 1\nsteps:\n  - id: a\n    set:\n      text: words\n        ${'['.repeat(70)} end\n`;
    expect(compile(text, 'x.swarm.yaml').diagnostics).toEqual([]);
  });
});

describe('api', () => {
  let f: ApiFuzzer;
  beforeAll(async () => {
    f = await apiFuzzer('known bugs');
  });
  afterAll(async () => {
    await f.close();
  });

  async function status(r: ApiRequest): Promise<number> {
    const app = f.api.apps[r.app];
    return (await exchange(app.port, serialise(r, app.port))).status;
  }

  test('the bugs are listed', () => {
    expect(Object.keys(KNOWN_BUGS)).toEqual(expect.arrayContaining(['api-deep-input-500', 'api-redos-inputs-pattern']));
  });

  test.failing('[api-deep-input-500] a run input nested 10,000 deep is a 400, not a 500', async () => {
    expect(await status(post('/v1/runs', `{"yaml": ${JSON.stringify(HELLO)}, "input": {"name": "x", "deep": ${deep(10_000)}}}`))).toBe(400);
  });

  test.failing('[api-deep-input-500] a run input nested 5,000 deep under a recursive inputs schema is a 400, not a 500', async () => {
    const yaml = readFileSync(join(HOSTILE, 'documents', 'recursive-inputs-schema.swarm.yaml'), 'utf8');
    expect(await status(post('/v1/runs', `{"yaml": ${JSON.stringify(yaml)}, "input": {"t": ${deep(5_000)}}}`))).toBe(400);
  });

  test('a run to signal starts, and takes an ordinary signal', async () => {
    expect(await status(post('/v1/runs', `{"yaml": ${JSON.stringify(HELLO)}, "input": {"name": "x"}, "id": "deep-signal"}`))).toBe(201);
    expect(await status(post('/v1/runs/hello%2Fdeep-signal/signals/approve', '{"payload": [[1]]}'))).toBe(202);
  });

  test.failing('[api-deep-input-500] a signal payload nested 10,000 deep is a 400, not a 500', async () => {
    expect(await status(post('/v1/runs/hello%2Fdeep-signal/signals/approve', `{"payload": ${deep(10_000)}}`))).toBe(400);
  });

  test.failing('[api-redos-inputs-pattern] starting a run checks its input against an inputs pattern in bounded time', async () => {
    const yaml = readFileSync(join(HOSTILE, 'documents', 'redos-input-pattern.swarm.yaml'), 'utf8');
    // 23 "a"s and a "!": half a second of backtracking today; each further "a" doubles it (40 would be hours).
    const c0 = process.cpuUsage();
    const s = await status(post('/v1/runs', `{"yaml": ${JSON.stringify(yaml)}, "input": {"x": "${'a'.repeat(23)}!"}}`));
    const c = process.cpuUsage(c0);
    expect(s).toBeGreaterThanOrEqual(400);
    expect((c.user + c.system) / 1000).toBeLessThan(100);
  });
});
