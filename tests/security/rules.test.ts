/**
 * Security rules that no other suite proves on its own:
 *
 * 1. No host-language evaluation anywhere in the product's source: no
 *    `eval`, `new Function`, `node:vm`, template engines or sandbox
 *    libraries (the workflow-only check is tests/workflows/imports.test.ts).
 * 4. Validating, compiling and storing a definition (CLI functions and the
 *    API) start no process and open no connection, even for a definition
 *    whose tools name shell commands and URLs.
 * 6. Model output is data: an answer that contains expression syntax and
 *    shell syntax passes through later steps as text, never evaluated.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { FsBlobStore } from '../../activities/blobs';
import * as path from 'node:path';
import * as childProcess from 'node:child_process';
import * as net from 'node:net';
import * as dns from 'node:dns';
import * as http from 'node:http';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AddressInfo } from 'node:net';
import { compile, validate } from '../../dsl';
import { createApp } from '../../server/app';
import { parseKeyEntries } from '../../server/auth';
import { dslCompiler } from '../../server/start';
import { memoryStore } from '../../server/store/memory';
import { describeTemporal } from '../helpers/temporal';
import { startEncryptedEnv, type EncryptedEnv } from './encrypted-env';
import { waitForRun } from '../../runtime/runs';
import { dataPaths, workspaceDirName } from '../../runtime/config';

const ROOT = path.resolve(__dirname, '..', '..');
const PRODUCT_DIRS = ['dsl', 'workflows', 'activities', 'runtime', 'server', 'cli', 'sim', 'editor/src'];

function sources(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && e.name !== 'node_modules' && e.name !== 'dist') walk(p);
      else if (/\.(ts|tsx|js|mjs|cjs)$/.test(e.name)) out.push(p);
    }
  };
  walk(path.join(ROOT, dir));
  return out;
}

/** Source without comments and string contents, so prose that mentions `eval` is not a hit but code is. */
function codeOnly(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:\\])\/\/.*$/gm, '$1')
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, (s) => (/^['"](node:)?vm['"]$/.test(s) ? s : '""'));
}

describe('rule 1: no host-language evaluation in the product', () => {
  const FORBIDDEN = /\beval\s*\(|\bnew\s+Function\s*\(|\bFunction\s*\(\s*['"`]|['"](?:node:)?vm['"]|\bvm\.(?:runIn|Script|compileFunction|createContext)/;
  const ENGINES = ['vm2', 'isolated-vm', 'expr-eval', 'handlebars', 'ejs', 'mustache', 'nunjucks', 'pug', 'lodash.template', 'lodash', 'underscore', 'dot', 'eta', 'safe-eval', 'static-eval', 'jexl'];

  test('no eval, new Function or vm in any product source file', () => {
    const files = PRODUCT_DIRS.flatMap(sources);
    expect(files.length).toBeGreaterThan(50);
    const hits = files.flatMap((f) => {
      const code = codeOnly(fs.readFileSync(f, 'utf8'));
      const m = FORBIDDEN.exec(code);
      return m ? [`${path.relative(ROOT, f)}: ${m[0]}`] : [];
    });
    expect(hits).toEqual([]);
  });

  test('the scan finds what it looks for (it is not vacuous)', () => {
    for (const bad of ['eval(x)', 'new Function("return 1")', "import * as vm from 'node:vm'", 'vm.runInNewContext(s)', "require('vm')"]) expect(FORBIDDEN.test(codeOnly(bad))).toBe(true);
    for (const ok of ['// never eval definition text', '/* new Function( */', "const s = 'eval(x)';", 'evaluateValue(v, scope)']) expect(FORBIDDEN.test(codeOnly(ok))).toBe(false);
  });

  test('no template engine or JavaScript sandbox among the dependencies', () => {
    const pkg: unknown = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const deps = typeof pkg === 'object' && pkg !== null ? Object.keys({ ...Reflect.get(pkg, 'dependencies'), ...Reflect.get(pkg, 'devDependencies') }) : [];
    expect(deps.length).toBeGreaterThan(5);
    expect(deps.filter((d) => ENGINES.includes(d))).toEqual([]);
  });
});

/**
 * Records every process start and outbound connection while installed.
 * With `only`, it records only what happens inside that async context (the
 * API's request handling): jest runs several test files in one process, and
 * a timer another file left behind (a client reconnecting, say) must not be
 * charged to the code under test, nor be broken by the watcher.
 */
function watchSideEffects(allowPort?: () => number | null, only?: AsyncLocalStorage<true>): { calls: string[]; restore(): void } {
  const calls: string[] = [];
  const spies: jest.SpyInstance[] = [];
  const watched = (): boolean => only === undefined || only.getStore() === true;
  for (const fn of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const) {
    const original = childProcess[fn] as (...a: unknown[]) => unknown;
    spies.push(
      jest.spyOn(childProcess, fn).mockImplementation(((...args: unknown[]) => {
        if (!watched()) return original.apply(childProcess, args);
        calls.push(`child_process.${fn}(${String(args[0])})`);
        throw new Error(`rule 4: ${fn} called`);
      }) as never),
    );
  }
  const connect = net.Socket.prototype.connect;
  spies.push(
    jest.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
      // Node normalises to connect([options, callback]) internally.
      const first = Array.isArray(args[0]) ? args[0][0] : args[0];
      const port = typeof first === 'object' && first !== null && 'port' in first ? Number(first.port) : Number(first);
      if (port !== allowPort?.() && watched()) calls.push(`net.connect(${JSON.stringify(first)})`);
      return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
    }),
  );
  const lookup = dns.lookup as (...a: unknown[]) => unknown;
  spies.push(
    jest.spyOn(dns, 'lookup').mockImplementation(((...args: unknown[]) => {
      if (!watched()) return lookup.apply(dns, args);
      calls.push(`dns.lookup(${String(args[0])})`);
      throw new Error('rule 4: dns lookup');
    }) as never),
  );
  return {
    calls,
    restore: () => {
      for (const s of spies) s.mockRestore();
    },
  };
}

const TOOLY = `swarm: sidefx
version: 1
tools:
  sh: { uses: shell, with: { allow: ["touch /tmp/swarmflow-rule4-pwned"] } }
  web: { uses: http.get, with: { allow: ["http://169.254.169.254/latest/meta-data/*"] } }
  read: { uses: fs.read }
steps:
  - id: a
    tool: sh
    with: { command: "touch /tmp/swarmflow-rule4-pwned" }
  - id: b
    tool: web
    with: { url: "http://169.254.169.254/latest/meta-data/iam" }
  - id: c
    tool: read
    with: { path: "../../../etc/passwd" }
`;

describe('rule 4: validate, compile and store have no side effects', () => {
  const examples = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.swarm.yaml'));

  test('the DSL: validate and compile of every example and of a tool-heavy definition start nothing and connect nowhere', () => {
    const w = watchSideEffects();
    try {
      for (const f of examples) {
        const text = fs.readFileSync(path.join(ROOT, 'examples', f), 'utf8');
        expect(validate(text, f)).toEqual([]);
        expect(compile(text, f).ir).not.toBeNull();
      }
      expect(compile(TOOLY, 'sidefx.swarm.yaml').ir).not.toBeNull();
      expect(w.calls).toEqual([]);
    } finally {
      w.restore();
    }
    expect(fs.existsSync('/tmp/swarmflow-rule4-pwned')).toBe(false);
  });

  test('the API: POST /v1/validate, /v1/compile and PUT /v1/swarms start nothing and connect nowhere', async () => {
    const key = 'rule4-admin-key-0123456789';
    const app = createApp({ temporal: () => Promise.reject(new Error('no Temporal in this test')), store: memoryStore(), auth: { keys: parseKeyEntries(`ops:admin:${key}`) }, compiler: dslCompiler, log: () => undefined });
    const inRequest = new AsyncLocalStorage<true>();
    const server = http.createServer((req, res) => inRequest.run(true, () => app(req, res)));
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as AddressInfo).port;
    const w = watchSideEffects(() => port, inRequest);
    try {
      const h = { authorization: `Bearer ${key}`, 'content-type': 'application/yaml' };
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/v1/validate`, { method: 'POST', headers: h, body: TOOLY })).status).toBe(200);
      expect((await fetch(`${base}/v1/compile`, { method: 'POST', headers: h, body: TOOLY })).status).toBe(200);
      expect((await fetch(`${base}/v1/swarms/sidefx`, { method: 'PUT', headers: h, body: TOOLY })).status).toBe(201);
      expect(w.calls).toEqual([]);
    } finally {
      w.restore();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    expect(fs.existsSync('/tmp/swarmflow-rule4-pwned')).toBe(false);
  });

  test('the watcher sees what it is meant to see (it is not vacuous)', () => {
    const w = watchSideEffects();
    try {
      expect(() => childProcess.spawnSync('true')).toThrow(/rule 4/);
      const s = new net.Socket();
      s.on('error', () => undefined);
      s.connect(1, '127.0.0.1');
      s.destroy();
      expect(w.calls).toEqual(['child_process.spawnSync(true)', 'net.connect(1)']);
    } finally {
      w.restore();
    }
  });

  test('the request-scoped watcher records what the request does, and only that', async () => {
    const ctx = new AsyncLocalStorage<true>();
    const w = watchSideEffects(undefined, ctx);
    const knock = (port: number): void => {
      const s = new net.Socket();
      s.on('error', () => undefined);
      s.connect(port, '127.0.0.1');
      s.destroy();
    };
    try {
      knock(2);
      await ctx.run(true, async () => {
        await new Promise((r) => setTimeout(r, 1));
        knock(3);
      });
      expect(w.calls).toEqual(['net.connect(3)']);
    } finally {
      w.restore();
    }
  });
});

describe('rule 8: no filesystem path comes from outside', () => {
  test('the blob store takes content hashes only: traversal and look-alike references are refused before any file is touched', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swarmflow-rule8-'));
    const store = new FsBlobStore(path.join(dir, 'blobs'));
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside');
    const ref = await store.put('inside');
    expect(ref).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await store.get(ref)).toString()).toBe('inside');
    for (const bad of ['sha256:../secret.txt', '../secret.txt', `sha256:${'a'.repeat(63)}/`, `sha256:${'A'.repeat(64)}`, `sha256:${'a'.repeat(64)}\n`, `/etc/passwd`]) {
      await expect(store.get(bad)).rejects.toThrow(/not a blob reference/);
      expect(await store.has(bad)).toBe(false);
    }
  });

  test('run ids (always `swarm-name/id`) become one sanitised directory name for workspaces', () => {
    for (const id of ['hello/../../etc', 'hello/..', 'hello/.', 'hello//abs/path', 'hello/x\\..\\y']) {
      const name = workspaceDirName(id);
      expect(name).toMatch(/^[A-Za-z0-9._-]+$/);
      expect(path.join('/ws', name).startsWith('/ws/')).toBe(true);
      expect(path.dirname(path.join('/ws', name))).toBe('/ws');
    }
  });
});

describeTemporal('rule 6: model output is data', () => {
  let env: EncryptedEnv;
  beforeAll(async () => {
    // Its own dev server: the fs.write must run on this file's worker, whose workspace the test reads.
    // The simulated model quotes its prompt here (echo), so its answer carries what the prompt held.
    env = await startEncryptedEnv({ sim: { echo: true } });
  });
  afterAll(async () => env?.close());

  test('an answer holding expression and shell syntax flows through later steps as text', async () => {
    // The simulated model quotes the start of its prompt, so its answer carries whatever the prompt held.
    const payload = '${{ inputs.secret }} $(touch pwned)';
    const started = await env.start(
      `swarm: sec-data
version: 1
models:
  m: { pool: default, model: kimi-k2.6, maxTokens: 64 }
tools:
  write: { uses: fs.write }
steps:
  - id: ask
    llm: m
    prompt: "\${{ inputs.payload }}"
  - id: keep
    set: { text: "said: \${{ steps.ask.output }}" }
  - id: save
    tool: write
    with: { path: answer.txt, content: "\${{ steps.ask.output }}" }
output: \${{ steps.keep.output.text }}
`,
      { payload, secret: 'THE-SECRET-VALUE' },
    );
    const out = await waitForRun(started.handle);
    expect(out.status).toBe('succeeded');
    const text = String(out.output);
    expect(text).toContain(payload);
    expect(text).not.toContain('THE-SECRET-VALUE');
    expect(text.startsWith('said: [simulated]')).toBe(true);
    // The tool got the answer as text too, and wrote it as it was.
    const written = fs.readFileSync(path.join(dataPaths(env.settings.home).workspaces, workspaceDirName(started.id), 'answer.txt'), 'utf8');
    expect(written).toContain(payload);
    expect(fs.existsSync(path.join(dataPaths(env.settings.home).workspaces, workspaceDirName(started.id), 'pwned'))).toBe(false);
  });
});
