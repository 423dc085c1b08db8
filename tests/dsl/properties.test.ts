/**
 * Property tests over generated valid definitions: compile is deterministic,
 * IR -> YAML -> IR is the identity, merging another IR into a source gives
 * that IR, and no input (valid or mangled) throws anything but located
 * diagnostics.
 */
import fc from 'fast-check';
import { compile, irToYaml, validate, CODES, formatDiagnostic } from '../../dsl';
import type { SwarmIR } from '../../dsl';
import { canonicalJson } from '../../dsl/canonical';
import { definition, reverseKeys, toYaml } from './generate';

const RUNS = 100;

function mustCompile(text: string): SwarmIR {
  const { ir, diagnostics } = compile(text, 'gen.swarm.yaml');
  if (!ir) throw new Error(`does not compile:\n${diagnostics.map(formatDiagnostic).join('\n')}\n---\n${text}`);
  return ir;
}

/** IR equality as the hash sees it (so 0 and -0, or key order, do not matter). */
function same(a: SwarmIR, b: SwarmIR): boolean {
  const { sha256: _a, ...x } = a;
  const { sha256: _b, ...y } = b;
  return canonicalJson(x) === canonicalJson(y);
}

test('every generated definition compiles, deterministically, to the same hash', () => {
  fc.assert(
    fc.property(definition, (def) => {
      const text = toYaml(def);
      const a = mustCompile(text);
      const b = mustCompile(text);
      expect(b.sha256).toBe(a.sha256);
      expect(b).toEqual(a);
    }),
    { numRuns: RUNS },
  );
});

test('the hash does not depend on the order of mapping keys', () => {
  fc.assert(
    fc.property(definition, (def) => {
      expect(mustCompile(toYaml(reverseKeys(def))).sha256).toBe(mustCompile(toYaml(def)).sha256);
    }),
    { numRuns: RUNS },
  );
});

test('IR -> YAML -> IR is the identity', () => {
  fc.assert(
    fc.property(definition, (def) => {
      const ir = mustCompile(toYaml(def));
      const back = mustCompile(irToYaml(ir));
      expect(back.sha256).toBe(ir.sha256);
      expect(same(back, ir)).toBe(true);
    }),
    { numRuns: RUNS },
  );
});

test('with a source: an unchanged IR gives the source back; another IR merged into it compiles to that IR', () => {
  fc.assert(
    fc.property(definition, definition, (defA, defB) => {
      const textA = toYaml(defA);
      const irA = mustCompile(textA);
      expect(irToYaml(irA, textA)).toBe(textA);
      const irB = mustCompile(toYaml(defB));
      const merged = irToYaml(irB, textA);
      expect(mustCompile(merged).sha256).toBe(irB.sha256);
    }),
    { numRuns: RUNS },
  );
});

test('mangled definitions give located diagnostics in file order, never an exception', () => {
  const edit = fc.record({ at: fc.nat(), cut: fc.nat({ max: 40 }), insert: fc.string({ maxLength: 12, unit: fc.constantFrom('{', '}', '[', ']', ':', '-', ' ', '\n', '"', "'", '$', '&', '*', '!', '#', 'a', '1', '|') }) });
  fc.assert(
    fc.property(definition, fc.array(edit, { minLength: 1, maxLength: 4 }), (def, edits) => {
      let text = toYaml(def);
      for (const e of edits) {
        const at = e.at % (text.length + 1);
        text = text.slice(0, at) + e.insert + text.slice(at + e.cut);
      }
      const lines = text.split('\n').length;
      const ds = validate(text, 'mangled.swarm.yaml');
      let last = [0, 0];
      for (const d of ds) {
        expect(Object.keys(CODES)).toContain(d.code);
        expect(d.code).not.toBe('SF999');
        expect(d.line).toBeGreaterThanOrEqual(1);
        expect(d.line).toBeLessThanOrEqual(lines);
        expect(d.col).toBeGreaterThanOrEqual(1);
        expect(d.message.length).toBeGreaterThan(10);
        expect(d.line > (last[0] ?? 0) || (d.line === last[0] && d.col >= (last[1] ?? 0))).toBe(true);
        last = [d.line, d.col];
      }
      if (ds.length === 0) expect(compile(text, 'x').ir).not.toBeNull();
    }),
    { numRuns: RUNS },
  );
});
