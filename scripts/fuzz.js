#!/usr/bin/env node
/*
 * `npm run fuzz`: the long fuzzing campaign (tests/fuzz/campaign.ts has the
 * options and what it prints). The fuzzers are TypeScript under tests/,
 * which the build does not compile, so this script lets Node load .ts files
 * the way Jest does (SWC, to CommonJS) and starts the campaign, or one of
 * its worker processes (`--worker`, forked by the campaign itself).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

function registerTypeScript() {
  let swc;
  try {
    swc = require('@swc/core');
  } catch {
    process.stderr.write('[fuzz] error: @swc/core is not installed: run npm ci (it is a dev dependency).\n');
    process.exit(1);
  }
  require.extensions['.ts'] = function compileTs(module, filename) {
    const source = fs.readFileSync(filename, 'utf8');
    const { code } = swc.transformSync(source, {
      filename,
      jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
      module: { type: 'commonjs' },
      sourceMaps: 'inline',
    });
    module._compile(code, filename);
  };
}

registerTypeScript();
const campaign = require(path.join(ROOT, 'tests', 'fuzz', 'campaign.ts'));
const args = process.argv.slice(2);

if (args[0] === '--worker') {
  const scopes = args.indexOf('--scopes');
  campaign.workerMain({ trace: args.includes('--trace'), shrink: args.includes('--shrink'), scopesPerValue: scopes >= 0 ? Number(args[scopes + 1]) || 2 : 2 });
} else {
  campaign.main(args, __filename).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`[fuzz] error: ${err && err.stack ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
