/** Shared set-up of the inference tests: simulated servers on free ports and pools over them. */
import { parseInferenceConfig, type InferenceConfig } from '../../activities/inference/config';
import type { ChatRequest } from '../../activities/inference/types';
import { startSimServer, type SimOptions, type SimServer } from '../../sim/server';

export async function startSims(n: number, opts: SimOptions = {}): Promise<SimServer[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => startSimServer({ seed: i, ...opts })));
}

export async function closeAll(sims: SimServer[]): Promise<void> {
  await Promise.all(sims.map((s) => s.close()));
}

/** A config from YAML text, as a user would write it (exercises the schema and defaults too). */
export function configFrom(yaml: string): InferenceConfig {
  return parseInferenceConfig(yaml, 'test-inference.yaml');
}

/** YAML for one pool over the given sims; `extra` is added to each endpoint, `pool` to the pool. */
export function poolYaml(
  sims: SimServer[],
  opts: { pool?: string; endpoint?: (i: number) => string; name?: (i: number) => string } = {},
): string {
  const eps = sims
    .map((s, i) => {
      const lines = [`      - name: ${opts.name?.(i) ?? `ep${i}`}`, `        kind: sim`, `        url: ${s.url}`];
      const extra = opts.endpoint?.(i);
      if (extra) lines.push(...extra.split('\n').map((l) => `        ${l}`));
      return lines.join('\n');
    })
    .join('\n');
  const poolExtra = opts.pool ? `${opts.pool.split('\n').map((l) => `    ${l}`).join('\n')}\n` : '';
  return `pools:\n  default:\n${poolExtra}    endpoints:\n${eps}\n`;
}

export function ask(text: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'kimi-k2.6', messages: [{ role: 'user', content: text }], ...extra };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Deterministic random numbers for strategy tests (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Waits until `cond` holds (polling); fails after `timeoutMs` so a broken test does not hang. */
export async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(2);
  }
}
