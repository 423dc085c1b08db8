#!/usr/bin/env node
'use strict';
// Entry of `swarmflow` / `npx swarmflow`: runs the compiled CLI from dist/.
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'cli', 'index.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('swarmflow is not built yet: run `npm run bootstrap` in the checkout first\n');
  process.exit(2);
}
require(entry).main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`error: ${err && err.message ? err.message.split('\n')[0] : String(err)}\n`);
    process.exit(1);
  },
);
