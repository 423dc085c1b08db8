/**
 * The escape corpus, every payload in every disguise and every place
 * (escape-corpus.ts), and the hostile documents with their expected
 * outcomes. Exhaustive rather than random: these are the payloads that broke
 * other engines (n8n's template-literal constructor chain, __proto__,
 * unicode escapes, nested ${{ }}, backticks).
 */
import { escapePayloads, hostileDocuments } from './corpus';
import { isHeavy, runEscapeCorpus, type CorpusResult } from './escape-corpus';
import { armGuards, type Guards } from './guards';

let guards: Guards;
beforeAll(() => {
  guards = armGuards();
});
afterAll(() => guards.dispose());

test('the corpus holds the payloads the issue names', () => {
  const payloads = escapePayloads();
  expect(payloads.length).toBeGreaterThanOrEqual(150);
  for (const must of ['"".constructor.constructor("return process")()', '`${process.exit(1)}`', '__proto__', 'this', 'globalThis', 'prototype', 'inputs["\\u005f\\u005fproto\\u005f\\u005f"]', '"${{" + "inputs.x" + "}}"', '${{ inputs.x }}']) {
    expect(payloads).toContain(must);
  }
  expect(hostileDocuments().length).toBeGreaterThanOrEqual(15);
});

test('every payload, disguised every way, in every place: refused, or plain data that reached nothing of the host', () => {
  const c0 = process.cpuUsage();
  const r: CorpusResult = runEscapeCorpus(guards);
  const c = process.cpuUsage(c0);
  for (const s of [r.direct, r.placed, r.documents]) console.log(s.summary());
  console.log(`[fuzz] escape corpus: ${((c.user + c.system) / 1000 / 1000).toFixed(1)} s CPU`);
  // A payload that evaluates to data reads the run's own data only: show which, so a reader can judge.
  console.log(`[fuzz] escape payloads that evaluate to data (own keys of hostile scopes, literals): ${r.evaluatedToData.size} of ${escapePayloads().length}`);
  expect(r.direct.cases).toBeGreaterThan(5000);
  expect(escapePayloads().filter(isHeavy).length).toBeLessThan(10);
  expect(r.placed.refused).toBeGreaterThan(0);
  expect(r.placed.accepted).toBeGreaterThan(0);
  // The host-reaching forms are among the refused ones, whatever the scope holds.
  for (const p of ['"".constructor.constructor("return process")()', '`${process.exit(1)}`', 'require("child_process")', 'Function("return process")()']) expect(r.evaluatedToData.has(p)).toBe(false);
});
