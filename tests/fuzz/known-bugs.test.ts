/**
 * Reproducers of the bugs the fuzzers found (known-bugs.ts), in files this
 * suite does not own. An open bug's is `test.failing`: it states the right
 * behaviour, fails today, and so passes; when the fix lands it passes, jest
 * reports the `test.failing` as failed, and the entry is removed from
 * known-bugs.ts. The reproducer then stays here as an ordinary test (the
 * API ones below: api-deep-input-500, fixed by server/body.ts's depth cap,
 * and api-redos-inputs-pattern, fixed by dsl/regex-safety.ts and
 * server/input-check.ts), and the random fuzzers fail on any relapse.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

describe('api (fixed)', () => {
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

  test('no API bug is open: the fuzzer fails on every API failure', () => {
    expect(Object.keys(KNOWN_BUGS).filter((k) => k.startsWith('api-'))).toEqual([]);
  });

  test('[api-deep-input-500] a run input nested 10,000 deep is a 400, not a 500', async () => {
    expect(await status(post('/v1/runs', `{"yaml": ${JSON.stringify(HELLO)}, "input": {"name": "x", "deep": ${deep(10_000)}}}`))).toBe(400);
  });

  test('[api-deep-input-500] a run input nested 5,000 deep under a recursive inputs schema is a 400, not a 500', async () => {
    const yaml = readFileSync(join(HOSTILE, 'documents', 'recursive-inputs-schema.swarm.yaml'), 'utf8');
    expect(await status(post('/v1/runs', `{"yaml": ${JSON.stringify(yaml)}, "input": {"t": ${deep(5_000)}}}`))).toBe(400);
  });

  test('a run to signal starts, and takes an ordinary signal', async () => {
    expect(await status(post('/v1/runs', `{"yaml": ${JSON.stringify(HELLO)}, "input": {"name": "x"}, "id": "deep-signal"}`))).toBe(201);
    expect(await status(post('/v1/runs/hello%2Fdeep-signal/signals/approve', '{"payload": [[1]]}'))).toBe(202);
  });

  test('[api-deep-input-500] a signal payload nested 10,000 deep is a 400, not a 500', async () => {
    expect(await status(post('/v1/runs/hello%2Fdeep-signal/signals/approve', `{"payload": ${deep(10_000)}}`))).toBe(400);
  });

  test('[api-redos-inputs-pattern] starting a run checks its input against an inputs pattern in bounded time', async () => {
    const yaml = readFileSync(join(HOSTILE, 'documents', 'redos-input-pattern.swarm.yaml'), 'utf8');
    // 40 "a"s and a "!" took hours of backtracking; the definition is refused now (SF114), before any input is checked.
    const c0 = process.cpuUsage();
    const s = await status(post('/v1/runs', `{"yaml": ${JSON.stringify(yaml)}, "input": {"x": "${'a'.repeat(40)}!"}}`));
    const c = process.cpuUsage(c0);
    expect(s).toBeGreaterThanOrEqual(400);
    expect((c.user + c.system) / 1000).toBeLessThan(100);
  });
});
