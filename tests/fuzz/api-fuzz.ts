/**
 * Runs the API fuzzer in chunks, like dsl-fuzz.ts: chunk i sends `chunk`
 * requests generated from seed `seed + i`, one after another, and checks
 * every answer (api-check.ts). The apps keep their state between requests
 * (stored definitions, started runs), so a chunk is replayed whole.
 */
import fc from 'fast-check';
import { checkAnswer, type ApiCheckContext } from './api-check';
import { apiRequest, type ApiRequest } from './api-gen';
import { exchange, serialise, startApiUnderFuzz, type ApiUnderFuzz } from './api-harness';
import type { FuzzFailureReport } from './dsl-fuzz';
import { armGuards, type Guards } from './guards';
import { knownApiBug } from './known-bugs';
import { FuzzFailure, FuzzStats } from './stats';

export interface ApiFuzzer {
  stats: FuzzStats;
  api: ApiUnderFuzz;
  guards: Guards;
  /** Sends one request and checks its answer (throws FuzzFailure). */
  send(r: ApiRequest): Promise<void>;
  runChunk(index: number, seed: number, size: number, arbitrary?: fc.Arbitrary<ApiRequest>, path?: string): Promise<FuzzFailureReport | null>;
  /** Health still answers on every app: the process and its servers are alive. */
  alive(): Promise<boolean>;
  close(): Promise<void>;
}

export async function apiFuzzer(name = 'api'): Promise<ApiFuzzer> {
  const stats = new FuzzStats(name);
  const guards = armGuards();
  const api = await startApiUnderFuzz();
  const ctx: ApiCheckContext = { stats, guards, where: '' };

  async function send(r: ApiRequest): Promise<void> {
    const app = api.apps[r.app];
    const before = app.logs.length;
    const res = await exchange(app.port, serialise(r, app.port), { methods: [r.method] });
    try {
      checkAnswer(r, res, app, before, ctx);
    } catch (err) {
      // A bug already reported (known-bugs.ts) is counted, not failed: its own test fails until it is fixed.
      const known = err instanceof FuzzFailure ? knownApiBug(r, res) : null;
      if (!known) throw err;
      stats.known.set(known, (stats.known.get(known) ?? 0) + 1);
      app.logs.length = before;
      guards.check();
    }
  }

  return {
    stats,
    api,
    guards,
    send,
    async runChunk(index, seed, size, arbitrary = apiRequest, path) {
      let caseIndex = 0;
      const details = await fc.check(
        fc.asyncProperty(arbitrary, async (r) => {
          ctx.where = `chunk ${index} seed ${seed} case ${caseIndex++}`;
          await send(r);
        }),
        // No shrinking: the apps' state changes with every request, so a smaller case would not be the same case.
        { seed, numRuns: size, endOnFailure: true, ...(path ? { path } : {}) },
      );
      if (!details.failed) return null;
      const err = details.errorInstance;
      return {
        fuzzer: name,
        seed,
        path: details.counterexamplePath,
        message: err instanceof Error ? err.message : String(err),
        replay: `--only ${name} --seed ${seed} --runs ${size} --chunk ${size}`,
      };
    },
    async alive() {
      for (const app of Object.values(api.apps)) {
        const res = await exchange(app.port, Buffer.from(`GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\nConnection: close\r\n\r\n`));
        if (res.status !== 200) return false;
      }
      return true;
    },
    async close() {
      await api.close();
      guards.dispose();
    },
  };
}
