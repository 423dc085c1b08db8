/**
 * Crash test of the effect ledger's claim (issues 4 and 9), on a real
 * cluster: a tool whose worker freezes right after applying its effect
 * (its event loop blocked for 8 s, so it sends no heartbeat) while three
 * workers share one ledger. Temporal gives the attempt up after the 2 s
 * heartbeat timeout and starts another, which can land on a worker that is
 * not frozen, while the first attempt is alive and about to record. Before
 * the claim, that second attempt found no record and applied the effect
 * again (17 of 200 keys doubled in a CI fan-out). Now it finds the frozen
 * attempt's claim, waits for its record and answers with it.
 *
 * The tool is a user kind (SWARMFLOW_TOOL_MODULES): deduplicated, not
 * repeatable, its effect a line in a counter file.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startRun } from '../../runtime/runs';
import { startCluster, type Cluster } from '../chaos/lib/cluster';
import { chaosLog, describeChaos } from '../chaos/lib/gate';
import { waitThrough } from '../chaos/lib/scenario';
import { checkDist } from '../chaos/lib/workers';
import { compileOrThrow } from '../helpers/swarm-env';

const CALLS = 4;
// Long enough that the retry (heartbeat timeout 2 s, then the dead sticky queue 3 s, now rescheduled at
// once) reaches another worker while the first attempt is still frozen; at 8 s a slow CI run missed it.
const FREEZE_MS = 15_000;

const KIND = `
const fs = require('node:fs');
module.exports = {
  uses: 'crashtest.freeze',
  description: 'Appends a line to a counter file, then freezes its worker.',
  effect: 'external',
  deduplicate: true,
  configSchema: { type: 'object', additionalProperties: false, properties: { file: { type: 'string' }, freezeMs: { type: 'integer' } } },
  argsSchema: { type: 'object', required: ['i'], properties: { i: { type: 'integer' } } },
  resultSchema: { type: 'object', required: ['i', 'pid'], properties: { i: { type: 'integer' }, pid: { type: 'integer' } } },
  async run(args, ctx) {
    fs.appendFileSync(ctx.config.file, args.i + ' ' + process.pid + '\\n');
    // Blocks the whole worker: no heartbeat, no timer, no claim refresh (as a loaded machine would).
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ctx.config.freezeMs);
    return { i: args.i, pid: process.pid };
  },
};
`;

describeChaos('crash: a tool call retried while its frozen first attempt still runs', () => {
  let cluster: Cluster | undefined;
  let dir: string;
  let counter: string;

  beforeAll(async () => {
    checkDist();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmflow-freeze-'));
    counter = path.join(dir, 'applied.txt');
    const modulePath = path.join(dir, 'freeze-kind.js');
    fs.writeFileSync(modulePath, KIND);
    // Workers inherit this process's environment (and this jest worker is this file's own).
    process.env.SWARMFLOW_TOOL_MODULES = modulePath;
    cluster = await startCluster({ persist: false, log: chaosLog });
    await Promise.all([cluster.addWorker(), cluster.addWorker(), cluster.addWorker()]);
  }, 120_000);

  afterAll(async () => {
    await cluster?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  test(`${CALLS} calls whose worker freezes ${FREEZE_MS / 1000} s after the effect: each effect applied once, each call answered with it`, async () => {
    if (!cluster) throw new Error('the cluster did not start');
    const ir = compileOrThrow(`swarm: freeze
version: 1
inputs:
  type: object
  properties: { items: { type: array, items: { type: integer } } }
  required: [items]
limits: { maxSteps: 100, deadline: 10m }
tools:
  freeze: { uses: crashtest.freeze, with: { file: ${JSON.stringify(counter)}, freezeMs: ${FREEZE_MS} } }
steps:
  - id: fan
    forEach: "\${{ inputs.items }}"
    as: it
    do:
      - id: call
        tool: freeze
        with: { i: "\${{ it }}" }
        # Attempts given up on a frozen worker count as attempts (before the uncapped infrastructure retry).
        retry: { maxAttempts: 30, initialInterval: 500ms, maxInterval: 2s }
output:
  results: "\${{ steps.fan.output }}"
`);
    const items = Array.from({ length: CALLS }, (_, i) => i);
    const { id, handle } = await startRun(cluster.client, { ir, input: { items }, options: { heartbeatTimeoutMs: 2000 } });
    const outcome = await waitThrough(handle, 240_000);
    chaosLog(`late heartbeat: run ${id} ${outcome.status}`);
    const claimsLog = path.join(cluster.ledgerDir, 'claims.jsonl');
    const events = fs.existsSync(claimsLog) ? fs.readFileSync(claimsLog, 'utf8').split('\n').filter(Boolean) : [];
    chaosLog(`late heartbeat: claims.jsonl:\n${events.join('\n')}`);
    expect(outcome.error).toBeNull();
    expect(outcome.status).toBe('succeeded');

    // Each call's effect happened once, though Temporal ran more attempts than calls.
    const lines = fs.readFileSync(counter, 'utf8').split('\n').filter(Boolean);
    chaosLog(`late heartbeat: effects applied:\n${lines.join('\n')}`);
    expect(lines.map((l) => Number(l.split(' ')[0])).sort((a, b) => a - b)).toEqual(items);
    expect(cluster.unexpectedExits()).toEqual([]);

    // The race did happen: some attempt found a live claim and waited for its record (no takeover:
    // the frozen attempts were alive, and their pids said so).
    const kinds = events.map((l) => (JSON.parse(l) as { event: string }).event);
    expect(kinds).toContain('waited');
    expect(kinds).not.toContain('took-over');
  }, 300_000);
});
