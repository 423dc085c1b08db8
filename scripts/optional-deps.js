#!/usr/bin/env node
/*
 * Installs optional dependencies into their own prefix, .swarmflow/optional/,
 * only when asked, so the default install stays lean:
 *
 *   node scripts/optional-deps.js llama           install node-llama-cpp 3.21.1 (local GGUF models)
 *   node scripts/optional-deps.js llama --check   only report whether it is installed and loads
 *
 * node-llama-cpp ships llama.cpp prebuilt for each platform as npm packages
 * (@node-llama-cpp/linux-x64, mac-arm64-metal, ...). We install exactly the
 * CPU package of this platform and skip the rest: `--omit=optional` keeps npm
 * from fetching the CUDA and Vulkan variants (hundreds of MB), and
 * `--ignore-scripts` plus NODE_LLAMA_CPP_SKIP_DOWNLOAD=true keep its
 * postinstall from downloading llama.cpp sources from GitHub or building them.
 * No compiler and nothing but the npm registry is needed.
 *
 * SWARMFLOW_OPTIONAL_DIR moves the prefix (the llama-cpp backend reads it too).
 * Plain Node with no dependencies. Each failure ends with one sentence saying
 * what is missing and what to do.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const PREFIX = path.resolve(process.env.SWARMFLOW_OPTIONAL_DIR || path.join(ROOT, '.swarmflow', 'optional'));
const NODE_LLAMA_CPP_VERSION = '3.21.1';

function say(msg) {
  process.stderr.write(`[optional-deps] ${msg}\n`);
}

function fail(sentence) {
  process.stderr.write(`[optional-deps] error: ${sentence}\n`);
  process.exit(1);
}

function isMusl() {
  if (process.platform !== 'linux') return false;
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null;
  return !(report && report.header && report.header.glibcVersionRuntime);
}

/** The CPU build of llama.cpp for this machine, as node-llama-cpp publishes it. */
function platformPackage() {
  const key = `${process.platform}-${process.arch}`;
  const table = {
    'linux-x64': 'linux-x64',
    'linux-arm64': 'linux-arm64',
    'linux-arm': 'linux-armv7l',
    'darwin-arm64': 'mac-arm64-metal',
    'darwin-x64': 'mac-x64',
    'win32-x64': 'win-x64',
    'win32-arm64': 'win-arm64',
  };
  const name = table[key];
  if (!name) fail(`node-llama-cpp publishes no prebuilt llama.cpp for ${key}: use an HTTP endpoint (llama-server) instead of kind llama-cpp.`);
  if (isMusl()) fail('node-llama-cpp publishes prebuilt llama.cpp only for glibc Linux, and this is musl: use an HTTP endpoint (llama-server) instead of kind llama-cpp.');
  return `@node-llama-cpp/${name}`;
}

function readVersion(pkgDir) {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
    return typeof parsed.version === 'string' ? parsed.version : null;
  } catch {
    return null;
  }
}

function installedLlama(binaryPkg) {
  const nm = path.join(PREFIX, 'node_modules');
  return readVersion(path.join(nm, 'node-llama-cpp')) === NODE_LLAMA_CPP_VERSION && readVersion(path.join(nm, ...binaryPkg.split('/'))) === NODE_LLAMA_CPP_VERSION;
}

/**
 * Loads the installed package in a child process and asks llama.cpp for its
 * CPU backend: proves the prebuilt binary runs here. The probe is a file in
 * the prefix, not `node -e`: node-llama-cpp forks itself to test its binary,
 * and a fork inherits `--input-type` flags that would break it.
 */
function smokeTest() {
  const entry = require('node:url').pathToFileURL(path.join(PREFIX, 'node_modules', 'node-llama-cpp', 'dist', 'index.js')).href;
  const probe = path.join(PREFIX, 'smoke-test.mjs');
  fs.writeFileSync(
    probe,
    [
      `const { getLlama } = await import(${JSON.stringify(entry)});`,
      "const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false, logLevel: 'error' });",
      'console.log(JSON.stringify({ gpu: llama.gpu, buildType: llama.buildType, cores: llama.cpuMathCores }));',
      'await llama.dispose();',
      '',
    ].join('\n'),
  );
  const r = spawnSync(process.execPath, [probe], { encoding: 'utf8', env: { ...process.env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true' }, timeout: 120_000 });
  if (r.status !== 0) {
    process.stderr.write((r.stderr || '').split('\n').slice(-15).join('\n') + '\n');
    return null;
  }
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    return null;
  }
}

function installLlama(checkOnly) {
  const binaryPkg = platformPackage();
  if (!installedLlama(binaryPkg)) {
    if (checkOnly) fail(`node-llama-cpp ${NODE_LLAMA_CPP_VERSION} is not installed in ${PREFIX}: run \`node scripts/optional-deps.js llama\`.`);
    fs.mkdirSync(PREFIX, { recursive: true });
    // A manifest of our own in the prefix: npm installs exactly these, never touching the repo's package.json.
    const manifest = {
      name: 'swarmflow-optional-deps',
      private: true,
      description: 'Optional dependencies of swarmflow, installed by scripts/optional-deps.js; safe to delete.',
      dependencies: { 'node-llama-cpp': NODE_LLAMA_CPP_VERSION, [binaryPkg]: NODE_LLAMA_CPP_VERSION },
    };
    fs.writeFileSync(path.join(PREFIX, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
    say(`installing node-llama-cpp ${NODE_LLAMA_CPP_VERSION} with ${binaryPkg} into ${path.relative(process.cwd(), PREFIX) || PREFIX} (npm registry only)...`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const r = spawnSync(npm, ['install', '--prefix', PREFIX, '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: PREFIX,
      stdio: 'inherit',
      shell: process.platform === 'win32',
      env: { ...process.env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true' },
    });
    if (r.error && r.error.code === 'ENOENT') fail('npm is not on PATH: install Node.js with npm, then run this again.');
    if (r.status !== 0) fail('npm install of node-llama-cpp failed: check that the npm registry is reachable and see the npm output above.');
    if (!installedLlama(binaryPkg)) fail(`npm finished but node-llama-cpp ${NODE_LLAMA_CPP_VERSION} or ${binaryPkg} is missing in ${PREFIX}: delete that folder and run this again.`);
  }
  const smoke = smokeTest();
  if (smoke === null) fail(`node-llama-cpp is installed in ${PREFIX} but its prebuilt llama.cpp does not load on this machine (output above): use an HTTP endpoint (llama-server) instead.`);
  say(`node-llama-cpp ${NODE_LLAMA_CPP_VERSION} ready in ${PREFIX} (${smoke.gpu === false ? 'CPU' : smoke.gpu}, ${smoke.buildType} build, ${smoke.cores} math cores)`);
}

function main() {
  const args = process.argv.slice(2);
  const what = args.filter((a) => !a.startsWith('--'));
  const checkOnly = args.includes('--check');
  if (what.length === 0) fail('name what to install: `node scripts/optional-deps.js llama` (node-llama-cpp, for endpoints of kind llama-cpp).');
  for (const w of what) {
    if (w === 'llama' || w === 'llama-cpp' || w === 'node-llama-cpp') installLlama(checkOnly);
    else fail(`unknown optional dependency "${w}": the only one is \`llama\` (node-llama-cpp, for endpoints of kind llama-cpp).`);
  }
}

main();
