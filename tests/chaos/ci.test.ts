/**
 * The chaos suite's CI size, part of `npm test`: a 300-step run beside a
 * 30-sub-agent swarm through 6 faults of every kind. `npm run test:chaos`
 * runs the full size (tests/chaos/full.chaos.ts).
 */
import { defineChaosSuite } from './suite';

defineChaosSuite('ci');
