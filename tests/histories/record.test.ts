/**
 * Records real runs of every example into tests/histories/ for the replay
 * test. Runs only with SWARMFLOW_RECORD=1 (`npm run record-histories`):
 * recordings change only when the workflow code changes on purpose.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportRunHistory } from '../../runtime/history';
import { queryProgress, startRun, waitForRun } from '../../runtime/runs';
import { dataPaths, workspaceDirName } from '../../runtime/config';
import type { SwarmOptions } from '../../workflows/types';
import type { Json } from '../../dsl/ir';
import { hasTemporal } from '../helpers/temporal';
import { compileOrThrow, startSwarmEnv, type SwarmEnv } from '../helpers/swarm-env';
import { GiveUp, waitUntil } from '../helpers/wait';

const ROOT = path.resolve(__dirname, '..', '..');
const OUT = __dirname;

/** Inputs (and signals) that make each example run to its end. */
interface RunSpec {
  input: Json;
  options?: SwarmOptions;
  signals?: { step: string; name: string; payload: Json }[];
  /** Sets up what the example expects to find (a skill, a file in its workspace); gets the run id it will use. */
  prepare?: (env: SwarmEnv, runId: string) => Promise<void>;
}

const RELEASE_NOTES_SKILL = `---
name: release-notes
version: 1.0.0
description: How to draft release notes for one product area.
---
# When to use
Drafting release notes for one area of a release.

# Instructions
List user-visible changes first, one line each, in the present tense.
`;

/** A stored definition the all-steps example calls (`swarm: announce@3`). */
const ANNOUNCE = `swarm: announce
version: 3
inputs: { type: object, properties: { title: { type: string }, body: { type: string } } }
steps:
  - id: post
    set: { posted: "\${{ inputs.title }}" }
output: \${{ steps.post.output }}
`;

const RUNS: Record<string, RunSpec> = {
  hello: { input: { name: 'Ada' } },
  'all-steps': {
    input: { release: '1.0', areas: ['api', 'cli'] },
    prepare: async (env, runId) => {
      await env.services.skillService.importDocument(RELEASE_NOTES_SKILL, {});
      const dir = path.join(dataPaths(env.settings.home).workspaces, workspaceDirName(`release-notes/${runId}`));
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'CHANGELOG-1.0.md'), '- api: pagination on /runs\n- cli: --json everywhere\n');
    },
  },
  triage: { input: { issues: [{ id: 1, title: 'Crash on start', body: 'It crashes.' }, { id: 2, title: 'Add dark mode' }] } },
  'long-horizon': { input: { iterations: 12 }, options: { historyEventThreshold: 40 } },
  research: { input: { topic: 'durable agent swarms', breadth: 3 } },
  refactor: { input: { task: 'split the utils module' }, signals: [{ step: 'approve', name: 'approve', payload: { approved: true } }] },
};

const recording = process.env.SWARMFLOW_RECORD === '1' && hasTemporal();
(recording ? describe : describe.skip)('record histories of the examples', () => {
  let env: SwarmEnv;
  beforeAll(async () => {
    env = await startSwarmEnv({ seed: 5, toolTurns: 1, arrayItems: 3 });
    // Child swarms of the examples resolve against the examples folder.
    env.services.setSwarmLookup(async (name) => {
      if (name === 'announce') return compileOrThrow(ANNOUNCE, 'announce.swarm.yaml');
      for (const f of fs.readdirSync(path.join(ROOT, 'examples')).filter((x) => x.endsWith('.swarm.yaml'))) {
        const text = fs.readFileSync(path.join(ROOT, 'examples', f), 'utf8');
        if (new RegExp(`^swarm:\\s*${name}\\s*$`, 'm').test(text)) return compileOrThrow(text, f);
      }
      return null;
    });
  });
  afterAll(async () => env?.close());

  const examples = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.swarm.yaml'));
  test.each(examples)('%s', async (file) => {
    const name = file.replace(/\.swarm\.yaml$/, '');
    const spec: RunSpec = RUNS[name] ?? { input: {} };
    const ir = compileOrThrow(fs.readFileSync(path.join(ROOT, 'examples', file), 'utf8'), file);
    const runId = `rec${Date.now().toString(16)}`;
    await spec.prepare?.(env, runId);
    const run = await startRun(env.client, { ir, input: spec.input, options: spec.options, runId });
    for (const sig of spec.signals ?? []) {
      await waitUntil(
        `${name} waits at ${sig.step}`,
        async () => {
          const p = await queryProgress(env.client, run.id);
          if (p.status !== 'running') throw new GiveUp(`${name} ended ${p.status} before ${sig.step}`);
          return p.currentSteps.includes(sig.step);
        },
        120_000,
      );
      await run.handle.signal(sig.name, sig.payload);
    }
    const out = await waitForRun(run.handle);
    expect({ name, status: out.status, error: out.error }).toEqual({ name, status: 'succeeded', error: null });
    const exported = await exportRunHistory(env.client, run.id);
    fs.writeFileSync(path.join(OUT, `${name}.json`), JSON.stringify(exported));
  }, 300_000);
});
