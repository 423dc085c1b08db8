/**
 * The chaos suite's CI size, part of `npm test`: a 300-step run (tool and
 * llm steps) through 6 faults of every kind, and a 30-sub-agent swarm
 * through 4 more. `npm run test:chaos` runs the
 * full size (tests/chaos/full.chaos.ts).
 */
import { defineChaosSuite } from './suite';

defineChaosSuite('ci');
