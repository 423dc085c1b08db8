/**
 * Local GGUF inference (kind llama-cpp) on this machine: tokens/s of the tiny
 * random Q4_0 llama (tests/llama/gguf-writer.ts) through the backend, and
 * the backend's overhead over a bare node-llama-cpp call on the same model
 * with the same settings (one sequence, one thread, greedy, same prompt).
 *
 * The bare call runs in a plain Node process of its own, as the backend's
 * model host does: node-llama-cpp is ESM with top-level await, which neither
 * a CommonJS build nor Jest (the tiny bench runs under `npm test`) can
 * import in-process. The difference between the two is what the backend
 * adds: the IPC hop, translating the chat form, counting the prompt, and
 * progress reports.
 *
 * Needs node-llama-cpp: `node scripts/optional-deps.js llama`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BACKEND_ERRORS } from '../activities/inference/backend';
import type { EndpointConfig } from '../activities/inference/config';
import { findNodeLlamaCpp, LlamaCppBackend } from '../activities/inference/llama-cpp';
import { tinyLlamaGguf } from '../tests/llama/gguf-writer';

export interface LlamaBenchOptions {
  /** Tokens generated per call; default 128. */
  tokens?: number;
  /** Measured calls each way (after one warm-up); default 20. */
  runs?: number;
}

const PROMPT = 'Summarise the benchmark of a tiny random model in one paragraph.';
const CONTEXT = 2048;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

const round = (v: number, d = 1): number => Math.round(v * 10 ** d) / 10 ** d;

/**
 * The bare baseline: loads the model, prints "ready", then runs one timed
 * generateResponse call per "run" line on stdin and prints its JSON, so the
 * two sides can alternate call by call (a busy machine drifts; alternating
 * spreads the drift over both).
 */
function bareScript(entry: string, model: string, tokens: number): string {
  return `
import { createInterface } from 'node:readline';
const nlc = await import(${JSON.stringify(pathToFileURL(entry).href)});
const llama = await nlc.getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, logLevel: 'warn', maxThreads: 0 });
const model = await llama.loadModel({ modelPath: ${JSON.stringify(model)} });
const context = await model.createContext({ contextSize: ${CONTEXT}, sequences: 1, threads: 1 });
const chat = new nlc.LlamaChat({ contextSequence: context.getSequence() });
const history = [{ type: 'user', text: ${JSON.stringify(PROMPT)} }];
console.log('ready');
for await (const line of createInterface({ input: process.stdin })) {
  if (line !== 'run') break;
  const meter = chat.sequence.tokenMeter.getState();
  const t0 = performance.now();
  await chat.generateResponse(history, { maxTokens: ${tokens}, temperature: 0 });
  console.log(JSON.stringify({ ms: performance.now() - t0, generated: chat.sequence.tokenMeter.diff(meter).usedOutputTokens }));
}
await context.dispose();
await model.dispose();
await llama.dispose();
`;
}

interface BareRunner {
  run(): Promise<{ ms: number; generated: number }>;
  close(): void;
}

/** Starts the bare baseline process and resolves once its model is loaded. */
async function startBare(dir: string, script: string): Promise<BareRunner> {
  const file = path.join(dir, 'bare.mjs');
  writeFileSync(file, script);
  const child = spawn(process.execPath, [file], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true' } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
  const lines: string[] = [];
  const waiters: ((line: string | null) => void)[] = [];
  let buf = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  child.on('exit', () => {
    for (const w of waiters.splice(0)) w(null);
  });
  const next = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const ready = lines.shift();
      if (ready !== undefined) return resolve(ready);
      if (child.exitCode !== null) return reject(new Error(`bare node-llama-cpp run exited (${child.exitCode}): ${stderr.trim()}`));
      waiters.push((line) => (line === null ? reject(new Error(`bare node-llama-cpp run exited (${child.exitCode}): ${stderr.trim()}`)) : resolve(line)));
    });
  const first = await next();
  if (first !== 'ready') throw new Error(`bare run printed ${first.slice(0, 200)}`);
  return {
    run: async () => {
      child.stdin.write('run\n');
      const line = await next();
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed !== 'object' || parsed === null || !('ms' in parsed) || !('generated' in parsed)) throw new Error(`bare run printed ${line.slice(0, 200)}`);
      const { ms, generated } = parsed;
      if (typeof ms !== 'number' || typeof generated !== 'number') throw new Error(`bare run printed ${line.slice(0, 200)}`);
      return { ms, generated };
    },
    close: () => {
      child.stdin.end();
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    },
  };
}

export async function benchLlama(opts: LlamaBenchOptions = {}): Promise<{ name: string; figures: Record<string, number>; notes: string[] }> {
  const tokens = opts.tokens ?? 128;
  const runs = opts.runs ?? 20;
  const pkg = findNodeLlamaCpp(); // throws LlamaCppNotInstalledError with the install command
  const dir = mkdtempSync(path.join(os.tmpdir(), 'swarmflow-bench-llama-'));
  const model = path.join(dir, 'tiny-q4_0.gguf');
  writeFileSync(model, tinyLlamaGguf({ contextLength: CONTEXT }));
  const ep: EndpointConfig = {
    name: 'bench-local',
    url: '',
    kind: 'llama-cpp',
    module: null,
    models: null,
    servedModels: {},
    quantization: null,
    maxConcurrency: 1,
    weight: 1,
    role: 'primary',
    apiKeyEnv: null,
    timeoutMs: 120_000,
    idleTimeoutMs: 60_000,
    options: { model, contextSize: CONTEXT, threads: 1, gpu: false },
  };
  const backend = new LlamaCppBackend(ep, { redact: (t) => t, errors: BACKEND_ERRORS });
  try {
    const loadStart = performance.now();
    const signal = new AbortController().signal;
    const req = { model: 'tiny', messages: [{ role: 'user' as const, content: PROMPT }], maxTokens: tokens };
    // The first call waits for the load; it doubles as the warm-up, like the bare run's.
    await backend.chat(req, { signal, apiKey: undefined });
    const loadSeconds = (performance.now() - loadStart) / 1000;
    const bare = await startBare(dir, bareScript(pkg.entry, model, tokens));
    const ms: number[] = [];
    const generated: number[] = [];
    const firstToken: number[] = [];
    const bareMs: number[] = [];
    const bareGenerated: number[] = [];
    /** Wall time of a backend call minus the host's own time for it: the IPC hop and the translation. */
    const hop: number[] = [];
    const hostMs: number[] = [];
    try {
      await bare.run(); // warm-up, like the backend's first call
      const viaBackend = async (): Promise<void> => {
        const t0 = performance.now();
        let first: number | null = null;
        const res = await backend.chat(req, { signal, apiKey: undefined, onTokens: () => (first ??= performance.now() - t0) });
        const wall = performance.now() - t0;
        ms.push(wall);
        generated.push(res.usage.completionTokens);
        if (first !== null) firstToken.push(first);
        if (backend.lastHostTimings !== null) {
          hop.push(wall - backend.lastHostTimings.totalMs);
          hostMs.push(backend.lastHostTimings.totalMs);
        }
      };
      const viaBare = async (): Promise<void> => {
        const b = await bare.run();
        bareMs.push(b.ms);
        bareGenerated.push(b.generated);
      };
      // ABBA order, so neither side always runs first after the other.
      for (let i = 0; i < runs; i++) {
        if (i % 2 === 0) {
          await viaBackend();
          await viaBare();
        } else {
          await viaBare();
          await viaBackend();
        }
      }
    } finally {
      bare.close();
    }
    const rate = (g: number[], t: number[]): number => (median(g) * 1000) / median(t);
    const overheadMs = median(ms) - median(bareMs);
    return {
      name: 'local GGUF model (llama-cpp backend, tiny random Q4_0 llama)',
      figures: {
        tokensPerSecond: round(rate(generated, ms)),
        hostTokensPerSecond: round(rate(generated, hostMs)),
        bareTokensPerSecond: round(rate(bareGenerated, bareMs)),
        overheadMsPerCall: round(overheadMs, 2),
        overheadPercent: round((overheadMs / median(bareMs)) * 100),
        ipcHopMsPerCall: round(median(hop), 2),
        firstTokenMs: round(median(firstToken), 1),
        loadSeconds: round(loadSeconds, 2),
        tokensPerCall: median(generated),
      },
      notes: [
        `${runs} calls of ${tokens} tokens each way, alternating, one sequence, one thread, greedy, on ${os.cpus().length} CPUs (load average ${os.loadavg()[0]?.toFixed(1) ?? '?'})`,
        'the model is random: its text is nonsense, its speed is real llama.cpp work on Q4_0 weights',
        'overheadMsPerCall compares two processes on a shared machine and moves with its load; ipcHopMsPerCall (wall time minus the host-measured time of the same call) is the part the backend adds on top of the host',
      ],
    };
  } finally {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
