#!/usr/bin/env node
/*
 * Idempotent set-up, run first by `npm run demo`, `npm test` and `npm run bench`.
 *
 * 1. npm dependencies: `npm ci` when node_modules is missing or older than package-lock.json.
 * 2. Build: TypeScript to dist/ (incremental), the workflow bundle, the editor.
 * 3. The Temporal CLI (the dev server): $TEMPORAL_CLI, else `temporal` on PATH, else the Go bin
 *    dir, else `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` into the Go bin dir
 *    (outside the repo, so a fresh clone finds it).
 * 4. With --browser: Debian's Chromium for the editor's browser tests.
 * 5. With --llama: node-llama-cpp for the optional local GGUF backend, in .swarmflow/optional.
 *
 * Plain JavaScript with no dependencies: it runs before anything is installed.
 * Each failure ends with one sentence that says what is missing and what to do.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const ROOT = path.resolve(__dirname, '..');
const TEMPORAL_CLI_VERSION = 'v1.5.1';
const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');

function say(msg) {
  if (!quiet) process.stderr.write(`[bootstrap] ${msg}\n`);
}

function fail(sentence) {
  process.stderr.write(`[bootstrap] error: ${sentence}\n`);
  process.exit(1);
}

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: ROOT, stdio: opts.capture ? 'pipe' : 'inherit', env: opts.env || process.env, encoding: 'utf8' });
  if (r.error && r.error.code === 'ENOENT') return { status: 127, stdout: '', stderr: `${cmd}: not found` };
  return r;
}

function sha256File(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) fail(`Node.js ${process.versions.node} is too old: swarmflow needs Node.js 20.19 or newer.`);
}

function ensureDependencies() {
  const stamp = path.join(ROOT, 'node_modules', '.swarmflow-lock');
  const want = sha256File(path.join(ROOT, 'package-lock.json'));
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === want) return;
  say('installing npm dependencies (npm ci)...');
  const r = run('npm', ['ci', '--no-audit', '--no-fund']);
  if (r.status !== 0) fail('npm ci failed: check that the npm registry is reachable and see the npm output above.');
  fs.writeFileSync(stamp, want);
}

/** Newest modification time under the given folders (source files only). */
function newestMtime(dirs, exts) {
  let newest = 0;
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (exts.some((x) => e.name.endsWith(x))) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  for (const d of dirs) walk(path.join(ROOT, d));
  return newest;
}

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function build() {
  const srcDirs = ['dsl', 'workflows', 'activities', 'server', 'cli', 'runtime', 'sim', 'bench', 'schemas'];
  const srcNewest = Math.max(newestMtime(srcDirs, ['.ts', '.json']), mtime(path.join(ROOT, 'tsconfig.json')), mtime(path.join(ROOT, 'tsconfig.build.json')));
  const stamp = path.join(ROOT, 'dist', '.build-stamp');
  if (mtime(stamp) < srcNewest) {
    say('compiling TypeScript...');
    const r = run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
    if (r.status !== 0) fail('the TypeScript build failed: see the compiler errors above.');
    fs.writeFileSync(stamp, String(Date.now()));
  }
  const bundle = path.join(ROOT, 'dist', 'workflow-bundle.js');
  const wfNewest = Math.max(newestMtime(['workflows', 'dsl'], ['.ts']), mtime(path.join(ROOT, 'package-lock.json')));
  if (mtime(bundle) < wfNewest) {
    say('bundling workflow code...');
    const r = run(process.execPath, [path.join(ROOT, 'dist', 'runtime', 'bundle.js'), bundle]);
    if (r.status !== 0) fail('bundling the workflow code failed: see the errors above.');
    // The same code with the encrypting failure converter, for workers with payload encryption on.
    const enc = run(process.execPath, [path.join(ROOT, 'dist', 'runtime', 'codec', 'bundle.js'), path.join(ROOT, 'dist', 'workflow-bundle-encrypted.js')]);
    if (enc.status !== 0) fail('bundling the encrypted workflow code failed: see the errors above.');
  }
  const editorIndex = path.join(ROOT, 'editor', 'vite.config.ts');
  if (fs.existsSync(editorIndex)) {
    const out = path.join(ROOT, 'editor', 'dist', 'index.html');
    const edNewest = Math.max(newestMtime(['editor', 'dsl', 'schemas'], ['.ts', '.tsx', '.css', '.html', '.json']), mtime(path.join(ROOT, 'package-lock.json')));
    if (mtime(out) < edNewest) {
      say('building the editor (vite)...');
      const r = run(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', editorIndex, '--logLevel', 'warn'], {
        // Vite's note that it bundles a TypeScript config file is expected here.
        env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
      });
      if (r.status !== 0) fail('the editor build failed: see the vite errors above.');
    }
  }
}

function goBinDir() {
  const r = run('go', ['env', 'GOBIN', 'GOPATH'], { capture: true });
  if (r.status !== 0) return null;
  const [gobin, gopath] = r.stdout.split('\n');
  if (gobin && gobin.trim()) return gobin.trim();
  return path.join((gopath || '').split(path.delimiter)[0].trim() || path.join(require('node:os').homedir(), 'go'), 'bin');
}

function findOnPath(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  return null;
}

function ensureTemporalCli() {
  if (process.env.TEMPORAL_CLI) {
    if (!fs.existsSync(process.env.TEMPORAL_CLI)) fail(`TEMPORAL_CLI is set to ${process.env.TEMPORAL_CLI}, which does not exist: unset it or point it at a temporal binary.`);
    return process.env.TEMPORAL_CLI;
  }
  const onPath = findOnPath('temporal');
  if (onPath) return onPath;
  const home = path.join(require('node:os').homedir(), 'go', 'bin', 'temporal');
  const binDir = goBinDir();
  const inGoBin = binDir ? path.join(binDir, 'temporal') : home;
  for (const p of [inGoBin, home]) if (fs.existsSync(p)) return p;
  if (!binDir) fail('the Temporal CLI is missing and Go is not installed: install Go (1.22 or newer) so the CLI can be built, or set TEMPORAL_CLI to an existing temporal binary.');
  say(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (this takes several minutes, once)...`);
  const pkg = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;
  let r = run('go', ['install', pkg], { capture: true });
  if (r.status !== 0 && /sum\.golang\.org|checksum database|verifying module/i.test(r.stderr)) {
    say('the Go checksum database cannot be reached through the module proxy: building with GOSUMDB=off');
    r = run('go', ['install', pkg], { capture: true, env: { ...process.env, GOSUMDB: 'off' } });
  }
  if (r.status !== 0) {
    process.stderr.write(r.stderr.split('\n').slice(-15).join('\n') + '\n');
    fail('go install of the Temporal CLI failed: the Go module proxy could not be reached or the build broke (output above); set TEMPORAL_CLI to an existing binary to skip the build.');
  }
  if (!fs.existsSync(inGoBin)) fail(`go install finished but ${inGoBin} is missing: check GOBIN/GOPATH.`);
  say(`Temporal CLI built at ${inGoBin}`);
  return inGoBin;
}

function ensureChromium() {
  if (fs.existsSync('/usr/bin/chromium')) return;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    fail('Chromium is needed for the editor tests: install it with `sudo apt-get install -y chromium`.');
  }
  say('installing Chromium from Debian packages (apt-get), for the editor browser tests...');
  let r = run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { capture: true, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) {
    run('apt-get', ['update'], { capture: true });
    r = run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { capture: true, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  if (r.status !== 0 || !fs.existsSync('/usr/bin/chromium')) fail('apt-get could not install chromium: check that Debian packages are reachable.');
}

/** node-llama-cpp (prebuilt CPU binaries from the npm registry) into .swarmflow/optional, only for those who use or test it. */
function ensureLlama() {
  const r = run(process.execPath, [path.join(ROOT, 'scripts', 'optional-deps.js'), 'llama'], { capture: true });
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout || ''}${r.stderr || ''}`.split('\n').slice(-10).join('\n') + '\n');
    fail('installing node-llama-cpp (the optional local GGUF backend) failed: see the output above.');
  }
}

function main() {
  checkNode();
  ensureDependencies();
  build();
  const cli = ensureTemporalCli();
  if (args.has('--browser')) ensureChromium();
  if (args.has('--llama')) ensureLlama();
  fs.mkdirSync(path.join(ROOT, '.swarmflow'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, '.swarmflow', 'temporal-cli'), cli);
  say('ready');
}

main();
