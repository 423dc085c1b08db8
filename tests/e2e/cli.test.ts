/**
 * The CLI as people use it: the built `swarmflow` (dist/) as a child process
 * against the real dev server, output read through a pipe.
 */
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { queryProgress } from '../../runtime/runs';
import { describeTemporal } from '../helpers/temporal';
import { startSwarmEnv, type SwarmEnv } from '../helpers/swarm-env';
import { waitUntil } from '../helpers/wait';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describeTemporal('swarmflow CLI against the dev server', () => {
  let env: SwarmEnv;
  let tmp: string;
  const cli = (args: string[]): Promise<Result> =>
    new Promise((resolve) => {
      execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, TEMPORAL_ADDRESS: env.settings.temporalAddress, TEMPORAL_NAMESPACE: env.settings.namespace, SWARMFLOW_HOME: env.settings.home, NO_COLOR: '1' }, timeout: 120_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });

  beforeAll(async () => {
    if (!fs.existsSync(CLI)) throw new Error('dist/ is not built: run `npm run bootstrap` first (npm test does)');
    env = await startSwarmEnv();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmflow-cli-'));
  });
  afterAll(async () => env?.close());

  test('validate: 0 for valid files, 1 with file:line:col errors, 2 for a missing file', async () => {
    const ok = await cli(['validate', 'examples/hello.swarm.yaml', 'examples/refactor.swarm.yaml']);
    expect(ok.code).toBe(0);
    const bad = path.join(tmp, 'bad.swarm.yaml');
    fs.writeFileSync(bad, 'swarm: bad\nversion: 1\nsteps:\n  - id: a\n    agent: nobody\n    prompt: hi\n');
    const invalid = await cli(['validate', bad]);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout + invalid.stderr).toMatch(/bad\.swarm\.yaml:5:\d+: .*nobody/);
    expect((await cli(['validate', path.join(tmp, 'missing.yaml')])).code).toBe(2);
  });

  test('compile -o writes the IR', async () => {
    const out = path.join(tmp, 'hello.ir.json');
    const r = await cli(['compile', 'examples/hello.swarm.yaml', '-o', out]);
    expect(r.code).toBe(0);
    const ir = JSON.parse(fs.readFileSync(out, 'utf8')) as { irVersion: number; sha256: string; name: string };
    expect(ir).toMatchObject({ irVersion: 1, name: 'hello' });
    expect(ir.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('run --wait prints the result and exits 0; a bad input is a usage error', async () => {
    const r = await cli(['run', 'examples/hello.swarm.yaml', '--input', '{"name":"Ada"}', '--wait']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^succeeded {2}hello\//m);
    expect(r.stdout).toContain('[simulated]');
    const bad = await cli(['run', 'examples/hello.swarm.yaml', '--input', '{nope', '--wait']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--input is not valid JSON/);
  });

  test('run --follow, piped, prints one line per step and the outcome', async () => {
    const r = await cli(['run', 'examples/research.swarm.yaml', '--input', '{"topic":"agents","breadth":2}', '--follow']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/started +questions/);
    expect(r.stdout).toMatch(/succeeded +answers/);
    expect(r.stdout).toMatch(/run succeeded/);
    expect(r.stdout).not.toMatch(/\u001b\[/); // no colours or cursor moves when piped
  });

  test('signal a waitFor step, ls and status; cancel exits 3 for a waiting run', async () => {
    const def = path.join(tmp, 'gate.swarm.yaml');
    fs.writeFileSync(def, 'swarm: gate\nversion: 1\nsteps:\n  - id: approve\n    waitFor: { signal: approve, timeout: 1m }\noutput: ${{ steps.approve.output }}\n');
    const started = await cli(['--json', 'run', def]);
    const id = (JSON.parse(started.stdout) as { id: string }).id;
    await waitUntil('the run waits', async () => (await queryProgress(env.client, id)).currentSteps.includes('approve'));
    expect((await cli(['signal', id, 'approve', '--payload', '{"approved":true}'])).code).toBe(0);
    const status = await cli(['status', id]);
    expect(status.code).toBe(0);
    await waitUntil('it ends', async () => (await cli(['status', id])).stdout.includes('succeeded'));
    const ls = await cli(['--json', 'ls', '--swarm', 'gate']);
    expect((JSON.parse(ls.stdout) as { id: string }[]).map((r) => r.id)).toContain(id);

    // A run waiting forever, cancelled while `run --wait` waits: exit 3.
    const child = spawn(process.execPath, [CLI, 'run', def, '--wait', '--id', 'cancel-me'], { env: { ...process.env, TEMPORAL_ADDRESS: env.settings.temporalAddress, TEMPORAL_NAMESPACE: env.settings.namespace, SWARMFLOW_HOME: env.settings.home } });
    const exit = new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? -1)));
    await waitUntil('the second run waits', async () => (await queryProgress(env.client, 'gate/cancel-me')).currentSteps.includes('approve'));
    expect((await cli(['cancel', 'gate/cancel-me'])).code).toBe(0);
    expect(await exit).toBe(3);
  });

  test('history -o exports every execution; replay says identical (0) or names the divergence (1)', async () => {
    const run = await cli(['--json', 'run', 'examples/long-horizon.swarm.yaml', '--input', '{"iterations":5}', '--wait']);
    const id = (JSON.parse(run.stdout) as { id: string }).id;
    const file = path.join(tmp, 'h.json');
    const h = await cli(['history', id, '-o', file]);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/\d+ executions, \d+ events/);
    const same = await cli(['replay', file]);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/replay identically/);
    const altered = JSON.parse(fs.readFileSync(file, 'utf8')) as { executions: { history: { events: { activityTaskScheduledEventAttributes?: { activityType?: { name: string } } }[] } }[] };
    const ev = altered.executions[0]?.history.events.find((e) => e.activityTaskScheduledEventAttributes);
    if (!ev?.activityTaskScheduledEventAttributes?.activityType) throw new Error('no activity in the exported history');
    ev.activityTaskScheduledEventAttributes.activityType.name = 'tampered';
    fs.writeFileSync(file, JSON.stringify(altered));
    const diverged = await cli(['replay', file]);
    expect(diverged.code).toBe(1);
    expect(diverged.stdout).toMatch(/diverged/);
  });

  test('rerun --from reuses the recorded outputs of the steps before it', async () => {
    const def = path.join(tmp, 'two.swarm.yaml');
    fs.writeFileSync(def, 'swarm: two\nversion: 1\nmodels:\n  m: { pool: default, model: kimi-k2.6 }\nsteps:\n  - id: first\n    llm: m\n    prompt: one\n  - id: second\n    set: { saw: "${{ steps.first.output }}" }\noutput: ${{ steps.second.output.saw }}\n');
    const first = JSON.parse((await cli(['--json', 'run', def, '--wait'])).stdout) as { id: string; output: string };
    const calls = env.sim.stats().requests;
    const again = await cli(['--json', 'rerun', first.id, '--from', 'second', '--wait']);
    expect(again.code).toBe(0);
    const out = JSON.parse(again.stdout.trim().split('\n').pop() ?? '{}') as { output: string };
    expect(out.output).toBe(first.output);
    expect(env.sim.stats().requests).toBe(calls); // the model was not called again
    expect((await cli(['rerun', first.id, '--from', 'nope'])).code).toBe(2);
  });
});
