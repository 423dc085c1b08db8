/**
 * The effect ledger's claim: two attempts of one tool call running at once
 * (two async callers, two processes) apply the effect once, and a process
 * killed at each point of a call leaves a ledger the next attempt reads
 * right (redo for a repeatable effect, "outcome unknown" for another, the
 * record for a finished one).
 *
 * The child-process tests run the compiled registry from dist/ (skipped when
 * it is not built); the rest run the sources.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sha256Hex } from '../../activities/tools/canonical-json';
import { FileEffectLedger, MemoryEffectLedger, readEffectLog, type EffectLedger } from '../../activities/tools/ledger';
import { createToolRegistry, ToolCancelledError } from '../../activities/tools/registry';
import type { ToolKind } from '../../activities/tools/types';
import { projectRoot } from '../../runtime/root';
import { errorOf, okObject, removeDir, tempDir } from './helpers';

const REGISTRY_JS = path.join(projectRoot(), 'dist', 'activities', 'tools', 'registry.js');

let scratch: string;
let ws: string;
let ledgerDir: string;
let counter: string;

beforeEach(() => {
  scratch = tempDir('ledger');
  ws = path.join(scratch, 'ws');
  mkdirSync(ws);
  ledgerDir = path.join(scratch, 'ledger');
  counter = path.join(scratch, 'applied');
});

afterEach(async () => {
  await removeDir(scratch);
});

/** Lines in the counter file: how often the effect really happened. */
function applications(): number {
  return existsSync(counter) ? readFileSync(counter, 'utf8').split('\n').filter(Boolean).length : 0;
}

/** A kind whose effect is one line in the counter file; `gate` holds it between the effect and its return. */
function countingKind(opts: { repeatable: boolean; gate?: Promise<void>; onRun?: () => void }): ToolKind {
  return {
    uses: 'test.count',
    description: 'appends a line to a counter file',
    effect: 'external',
    deduplicate: true,
    repeatable: opts.repeatable,
    configSchema: { type: 'object' },
    argsSchema: () => ({ type: 'object' }),
    resultSchema: { type: 'object' },
    async run(args, ctx) {
      opts.onRun?.();
      appendFileSync(counter, `${process.pid}\n`);
      await opts.gate;
      if (ctx.signal.aborted) throw new Error('aborted');
      return { by: process.pid, n: applications() };
    },
  };
}

function call(kind: ToolKind, ledger: EffectLedger, key: string, extra: { signal?: AbortSignal; claimStaleMs?: number } = {}) {
  return createToolRegistry({ kinds: [kind] }).run(kind.uses, {}, { v: 1 }, { workspace: ws, idempotencyKey: key, signal: extra.signal ?? new AbortController().signal, ledger, ...(extra.claimStaleMs ? { claimStaleMs: extra.claimStaleMs } : {}) });
}

function claimFiles(): string[] {
  const dir = path.join(ledgerDir, 'claims');
  // A crash while claiming leaves its temporary file (`*.tmp`), which no one reads: only claims count.
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.json')) : [];
}

/** The `event` of each line of claims.jsonl for `key`. */
function claimEvents(key: string): string[] {
  const file = path.join(ledgerDir, 'claims.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { key: string; event: string })
    .filter((e) => e.key === key)
    .map((e) => e.event);
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe.each([
  ['file', (): EffectLedger => new FileEffectLedger(ledgerDir)],
  ['memory', (() => {
    let shared: MemoryEffectLedger | null = null;
    return (): EffectLedger => (shared ??= new MemoryEffectLedger());
  })()],
])('%s ledger: two attempts at once', (name, makeLedger) => {
  test('the second waits for the first one\'s record and the effect happens once', async () => {
    const gate = deferred();
    const started = deferred();
    const kind = countingKind({ repeatable: false, gate: gate.promise, onRun: started.resolve });
    // Two ledger objects over one directory, as two workers would have (one object for the memory ledger).
    const first = call(kind, makeLedger(), `${name}/run/a`);
    await started.promise;
    const second = call(kind, makeLedger(), `${name}/run/a`);
    await new Promise((r) => setTimeout(r, 150));
    expect(applications()).toBe(1); // the second is waiting, not applying
    gate.resolve();
    const [a, b] = await Promise.all([first, second]);
    expect(okObject(a)).toEqual({ by: process.pid, n: 1 });
    expect(b).toEqual(a);
    expect(applications()).toBe(1);
    if (name === 'file') {
      expect((await readEffectLog(ledgerDir)).map((r) => r.key)).toEqual([`${name}/run/a`]);
      expect(claimFiles()).toEqual([]);
      expect(claimEvents(`${name}/run/a`)).toEqual(['waited']);
    }
  });

  test('twenty callers started together: one application, one answer', async () => {
    const kind = countingKind({ repeatable: true });
    const results = await Promise.all(Array.from({ length: 20 }, () => call(kind, makeLedger(), `${name}/run/many`)));
    expect(applications()).toBe(1);
    for (const r of results) expect(r).toEqual(results[0]);
  });

  test('a refused or failed effect releases the claim: a waiting attempt runs it', async () => {
    let fails = true;
    const gate = deferred();
    const started = deferred();
    const kind: ToolKind = {
      ...countingKind({ repeatable: false }),
      async run() {
        started.resolve();
        await gate.promise;
        if (fails) {
          fails = false;
          throw new Error('the disk is full');
        }
        appendFileSync(counter, 'x\n');
        return { ok: 1 };
      },
    };
    const first = call(kind, makeLedger(), `${name}/run/f`);
    await started.promise;
    const second = call(kind, makeLedger(), `${name}/run/f`);
    gate.resolve();
    expect(errorOf(await first)).toMatch(/the disk is full/);
    expect(okObject(await second)).toEqual({ ok: 1 });
    expect(applications()).toBe(1);
  });

  test('a waiting attempt whose activity is cancelled stops waiting', async () => {
    const gate = deferred();
    const started = deferred();
    const kind = countingKind({ repeatable: false, gate: gate.promise, onRun: started.resolve });
    const first = call(kind, makeLedger(), `${name}/run/c`);
    await started.promise;
    const ac = new AbortController();
    const second = call(kind, makeLedger(), `${name}/run/c`, { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    await expect(second).rejects.toBeInstanceOf(ToolCancelledError);
    gate.resolve();
    okObject(await first);
    expect(applications()).toBe(1);
  });

  test('an attempt cancelled part-way: a repeatable effect is redone; another is let finish and recorded', async () => {
    for (const repeatable of [true, false]) {
      const key = `${name}/run/cancel-${repeatable}`;
      const before = applications();
      const ac = new AbortController();
      const gate = deferred();
      const started = deferred();
      const first = call(countingKind({ repeatable, gate: gate.promise, onRun: started.resolve }), makeLedger(), key, { signal: ac.signal });
      await started.promise;
      ac.abort();
      gate.resolve();
      if (repeatable) {
        await expect(first).rejects.toBeInstanceOf(ToolCancelledError);
        const retry = await call(countingKind({ repeatable }), makeLedger(), key);
        expect(okObject(retry)).toMatchObject({ by: process.pid });
        expect(applications()).toBe(before + 2);
      } else {
        // The kind never saw the abort: its outcome is known and every later attempt gets it.
        const done = await first;
        okObject(done);
        expect(await call(countingKind({ repeatable }), makeLedger(), key)).toEqual(done);
        expect(applications()).toBe(before + 1);
      }
    }
  });
});

describe('file ledger: claims of other hosts', () => {
  test('a claim nobody refreshes is taken over after claimStaleMs; a fresh one is waited for', async () => {
    const key = 'remote/run/s';
    const h = sha256Hex(key);
    const claims = path.join(ledgerDir, 'claims');
    mkdirSync(claims, { recursive: true });
    const file = path.join(claims, `${h}.0.json`);
    // A claimant on another host: its pid means nothing here, only the claim's age counts.
    writeFileSync(file, JSON.stringify({ host: `not-${os.hostname()}`, pid: 1, started: null, token: 't', at: new Date().toISOString() }));
    const kind = countingKind({ repeatable: true });
    const ledger = new FileEffectLedger(ledgerDir);
    const t0 = Date.now();
    // Keep the claim fresh for a while, as a live remote claimant would.
    const refresh = setInterval(() => utimesSync(file, new Date(), new Date()), 50);
    setTimeout(() => clearInterval(refresh), 600);
    const r = await call(kind, ledger, key, { claimStaleMs: 300 });
    const waited = Date.now() - t0;
    okObject(r);
    expect(waited).toBeGreaterThanOrEqual(850); // 600 ms of refreshes + 300 ms of staleness, less timer slack
    expect(applications()).toBe(1);
    expect(claimFiles()).toEqual([]);
  });
});

describe('file ledger: the built-in fs.write', () => {
  test('after an attempt that died holding the call, the file is written again, and logged once', async () => {
    const key = 'fsw/run/w';
    mkdirSync(path.join(ledgerDir, 'claims'), { recursive: true });
    // A claim of a worker on another host that stopped refreshing it an hour ago (default limit: 60 s).
    const holder = { host: `not-${os.hostname()}`, pid: 1, started: null, token: 't', at: new Date().toISOString() };
    const file = path.join(ledgerDir, 'claims', `${sha256Hex(key)}.0.json`);
    writeFileSync(file, JSON.stringify(holder));
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(file, hourAgo, hourAgo);
    writeFileSync(path.join(ws, 'out.txt'), 'half'); // what the dead attempt may have left
    const ledger = new FileEffectLedger(ledgerDir);
    const r = await createToolRegistry().run('fs.write', {}, { path: 'out.txt', content: 'whole' }, { workspace: ws, idempotencyKey: key, signal: new AbortController().signal, ledger });
    expect(okObject(r)).toEqual({ path: 'out.txt', bytes: 5 });
    expect(readFileSync(path.join(ws, 'out.txt'), 'utf8')).toBe('whole');
    expect((await readEffectLog(ledgerDir)).map((e) => e.key)).toEqual([key]);
    expect(claimEvents(key)).toEqual(['took-over']);
  });
});

describe('file ledger: a frozen claimant on this host', () => {
  test('a live process\'s claim is trusted 10 times claimStaleMs before it is taken over', async () => {
    const key = 'frozen/run/s';
    const claims = path.join(ledgerDir, 'claims');
    mkdirSync(claims, { recursive: true });
    const file = path.join(claims, `${sha256Hex(key)}.0.json`);
    // This very process holds it (alive), as a worker whose event loop froze would: no refreshes.
    writeFileSync(file, JSON.stringify({ host: os.hostname(), pid: process.pid, started: null, token: 't', at: new Date().toISOString() }));
    const t0 = Date.now();
    const r = await call(countingKind({ repeatable: true }), new FileEffectLedger(ledgerDir), key, { claimStaleMs: 100 });
    okObject(r);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(claimEvents(key)).toEqual(['waited', 'took-over']);
  });
});

/**
 * A child process that runs one call through the compiled registry and
 * SIGKILLs itself at `die`: before the effect, after it, before the record
 * (after the log line), or after the record (before the claims go).
 */
type Die = 'none' | 'claiming' | 'before-effect' | 'after-effect' | 'before-record' | 'before-cleanup';

function child(o: { key: string; repeatable: boolean; die: Die; holdMs?: number; startAt?: number }): Promise<{ ended: string; out: string }> {
  const script = `
    const fs = require('node:fs');
    const fsp = fs.promises;
    const die = ${JSON.stringify(o.die)};
    const kill = () => process.kill(process.pid, 'SIGKILL');
    const wrap = (name, when) => { const orig = fsp[name]; fsp[name] = async (p, ...rest) => { if (when(String(p))) kill(); return orig.call(fsp, p, ...rest); }; };
    if (die === 'claiming') wrap('link', (p) => p.includes('/claims/'));
    if (die === 'before-record') wrap('writeFile', (p) => p.includes('/keys/'));
    if (die === 'before-cleanup') wrap('unlink', (p) => p.includes('/keys/'));
    const { createToolRegistry } = require(${JSON.stringify(REGISTRY_JS)});
    const kind = {
      uses: 'test.count', description: 'd', effect: 'external', deduplicate: true, repeatable: ${o.repeatable},
      configSchema: { type: 'object' }, argsSchema: () => ({ type: 'object' }), resultSchema: { type: 'object' },
      async run() {
        if (die === 'before-effect') kill();
        fs.appendFileSync(${JSON.stringify(counter)}, process.pid + '\\n');
        if (die === 'after-effect') kill();
        await new Promise((r) => setTimeout(r, ${o.holdMs ?? 0}));
        return { by: process.pid, n: fs.readFileSync(${JSON.stringify(counter)}, 'utf8').split('\\n').filter(Boolean).length };
      },
    };
    const { FileEffectLedger } = require(${JSON.stringify(path.join(path.dirname(REGISTRY_JS), 'ledger.js'))});
    setTimeout(() => {
      createToolRegistry({ kinds: [kind] })
        .run('test.count', {}, { v: 1 }, { workspace: ${JSON.stringify(ws)}, idempotencyKey: ${JSON.stringify(o.key)}, signal: new AbortController().signal, ledger: new FileEffectLedger(${JSON.stringify(ledgerDir)}) })
        .then((r) => { process.stdout.write(JSON.stringify(r)); process.exit(0); }, (e) => { console.error(e); process.exit(2); });
    }, Math.max(0, ${o.startAt ?? 0} - Date.now()));
  `;
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('error', reject);
    c.on('close', (code, signal) => {
      if (code === 2) reject(new Error(`the child failed: ${err}`));
      else resolve({ ended: signal ?? `exit ${code}`, out });
    });
  });
}

const describeDist = existsSync(REGISTRY_JS) ? describe : describe.skip;

describeDist('file ledger: two processes and crashes (dist/)', () => {
  test('two processes started at the same moment apply the effect once and answer alike', async () => {
    // Both children loaded by then (a late one still finds the first holding its claim for 1.5 s).
    const startAt = Date.now() + 1500;
    const [a, b] = await Promise.all([child({ key: 'p/run/two', repeatable: false, die: 'none', holdMs: 1500, startAt }), child({ key: 'p/run/two', repeatable: false, die: 'none', holdMs: 1500, startAt })]);
    expect([a.ended, b.ended]).toEqual(['exit 0', 'exit 0']);
    expect(applications()).toBe(1);
    expect(JSON.parse(a.out)).toEqual(JSON.parse(b.out));
    expect(JSON.parse(a.out)).toMatchObject({ ok: true, output: { n: 1 } });
    expect(await readEffectLog(ledgerDir)).toHaveLength(1);
    expect(claimFiles()).toEqual([]);
    expect(claimEvents('p/run/two')).toEqual(['waited']);
  }, 20_000);

  // What the next attempt must find after a SIGKILL at each point, for a repeatable effect (fs.write-like)
  // and for one that is not (http.post-like). `applied`: how often the effect happened in the end.
  // `events`: what claims.jsonl says the retry did.
  const cases: { die: Die; repeatable: boolean; next: 'ran' | 'unknown' | 'recorded'; applied: number; logged: number; events: string[] }[] = [
    { die: 'claiming', repeatable: false, next: 'ran', applied: 1, logged: 1, events: [] },
    { die: 'before-effect', repeatable: true, next: 'ran', applied: 1, logged: 1, events: ['took-over'] },
    { die: 'before-effect', repeatable: false, next: 'unknown', applied: 0, logged: 0, events: ['took-over'] },
    { die: 'after-effect', repeatable: true, next: 'ran', applied: 2, logged: 1, events: ['took-over'] },
    { die: 'after-effect', repeatable: false, next: 'unknown', applied: 1, logged: 0, events: ['took-over'] },
    { die: 'before-record', repeatable: true, next: 'recorded', applied: 1, logged: 1, events: ['recovered'] },
    { die: 'before-record', repeatable: false, next: 'recorded', applied: 1, logged: 1, events: ['recovered'] },
    { die: 'before-cleanup', repeatable: false, next: 'recorded', applied: 1, logged: 1, events: [] },
  ];

  test.each(cases)('killed at $die (repeatable: $repeatable): the next attempt $next', async ({ die, repeatable, next, applied, logged, events }) => {
    const key = `crash/run/${die}-${repeatable}`;
    const first = await child({ key, repeatable, die });
    expect(first.ended).toBe('SIGKILL');
    // The retry, on another worker of the same host (this process): the claimant's pid is gone, no wait.
    const t0 = Date.now();
    const retry = await call(countingKind({ repeatable }), new FileEffectLedger(ledgerDir), key);
    expect(Date.now() - t0).toBeLessThan(5_000);
    if (next === 'unknown') expect(errorOf(retry)).toMatch(/outcome unknown: .*its process \(pid \d+ on .*\) is gone/);
    else okObject(retry);
    // Answered from the killed child's commit, not applied here.
    if (next === 'recorded') expect(retry.output).not.toMatchObject({ by: process.pid });
    expect(applications()).toBe(applied);
    expect((await readEffectLog(ledgerDir)).filter((r) => r.key === key)).toHaveLength(logged);
    // Every later attempt gets the same answer, and nothing is left claimed.
    expect(await call(countingKind({ repeatable }), new FileEffectLedger(ledgerDir), key)).toEqual(retry);
    expect(applications()).toBe(applied);
    expect(claimFiles()).toEqual([]);
    expect(claimEvents(key)).toEqual(events);
  }, 20_000);
});
