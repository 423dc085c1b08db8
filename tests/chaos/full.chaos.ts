/**
 * The full chaos suite, `npm run test:chaos` (jest.chaos.config.js): a
 * 4,000-step run and a 300-sub-agent swarm through 21 faults; prints the
 * table of faults injected, runs, steps, results identical, effects lost and
 * effects doubled. Not part of `npm test` (its CI size is tests/chaos/ci.test.ts).
 */
import { defineChaosSuite } from './suite';

defineChaosSuite('full');
