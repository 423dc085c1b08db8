/**
 * The effect ledger killed inside `FileEffectLedger.put`, at each of its
 * file operations in turn (a child process SIGKILLs itself when the
 * operation is called). Afterwards the ledger must not claim an effect that
 * its log does not show: whenever `get(key)` answers with a record (so a
 * retry will skip the effect), `readEffectLog` must hold that key, or the
 * chaos audit cannot count the effect.
 *
 * This found a bug (docs/chaos.md, finding 3): `put` linked the key record
 * before it appended the log line, so a crash between the two left an
 * applied effect out of the log. `put` now appends first; a crash between
 * the two leaves a logged effect without a record, which a retry logs again
 * (the truth: it applied it again). The claim path that deduplicated kinds
 * take (`acquire` / `commit`) is killed at each point in
 * tests/tools/ledger.test.ts.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileEffectLedger, readEffectLog } from '../../activities/tools/ledger';
import { projectRoot } from '../../runtime/root';

const LEDGER_JS = path.join(projectRoot(), 'dist', 'activities', 'tools', 'ledger.js');
const OPS = ['mkdir', 'writeFile', 'link', 'unlink', 'appendFile'] as const;

/** Runs `put` in a child that SIGKILLs itself when `op` is first called; returns how it ended. */
function putAndDieAt(dir: string, op: (typeof OPS)[number], key: string): string {
  const script = `
    const fsp = require('node:fs').promises;
    fsp[${JSON.stringify(op)}] = async () => process.kill(process.pid, 'SIGKILL');
    const { FileEffectLedger } = require(${JSON.stringify(LEDGER_JS)});
    const key = ${JSON.stringify(key)};
    new FileEffectLedger(${JSON.stringify(dir)})
      .put(key, { key, uses: 'fs.write', callHash: 'h', result: { ok: true, output: { path: 'a.txt', bytes: 1 }, error: null }, at: new Date().toISOString() })
      .then(() => process.exit(0), (e) => { console.error(e); process.exit(2); });
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  return r.signal ?? `exit ${r.status}`;
}

const describeLedger = fs.existsSync(LEDGER_JS) ? describe : describe.skip;

describeLedger('the effect ledger killed inside put()', () => {
  test('a record that get() returns is always in the effect log, wherever the crash lands', async () => {
    const problems: string[] = [];
    for (const op of OPS) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmflow-ledger-'));
      const key = `crash/run/w.${op}`;
      const ended = putAndDieAt(dir, op, key);
      const record = await new FileEffectLedger(dir).get(key);
      const logged = (await readEffectLog(dir)).filter((r) => r.key === key).length;
      if (record && logged === 0) problems.push(`killed at ${op} (${ended}): the key is recorded (a retry skips the effect) but the log has no line for it`);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(problems).toEqual([]);
  });
});
