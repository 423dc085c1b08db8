/**
 * `npm run test:chaos`: the full chaos suite (tests/chaos/*.chaos.ts). It
 * starts its own Temporal dev servers, model endpoints and worker processes
 * from dist/ (built by scripts/bootstrap.js), so it needs no global set-up.
 */
const base = require('./jest.config.js');

module.exports = {
  testEnvironment: base.testEnvironment,
  rootDir: __dirname,
  transform: base.transform,
  transformIgnorePatterns: base.transformIgnorePatterns,
  testMatch: ['<rootDir>/tests/chaos/**/*.chaos.ts'],
  testTimeout: 3_600_000,
  maxWorkers: 1,
};
