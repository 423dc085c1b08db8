/**
 * The escape corpus, exhaustively rather than at random: every payload of
 * tests/fixtures/hostile/expressions.txt
 *
 * - in every disguise (expr-gen.ts), evaluated directly on every hostile
 *   scope: refused (ExpressionError) or plain JSON data without a canary;
 * - in every place a definition takes an expression (and the places that
 *   must refuse one), through the whole check of dsl-check.ts: located
 *   diagnostics, or an IR whose every value evaluates to plain data.
 *
 * And the hostile documents of tests/fixtures/hostile/documents, each with
 * the outcome its first line names.
 */
import { evaluateExpr, ExpressionError, validate } from '../../dsl';
import { escapePayloads, hostileDocuments } from './corpus';
import { CALL_CAP_MS, checkCase, FILE, type CheckContext } from './dsl-check';
import { PLACES, placeExpression } from './dsl-gen';
import { DISGUISES, disguise } from './expr-gen';
import { notPlainJson, type Guards } from './guards';
import { hostileScopes } from './scopes';
import { cpuTimed, FuzzFailure, FuzzStats } from './stats';

export interface CorpusResult {
  direct: FuzzStats;
  placed: FuzzStats;
  documents: FuzzStats;
  /** Payloads that evaluated to data in some disguise and scope, with what they gave (for the report). */
  evaluatedToData: Map<string, string>;
}

/**
 * Payloads that nest macros or binds run to the evaluation budget (a few
 * hundred ms each, by design): they are evaluated undisguised on every
 * scope and placed in three places, not in every combination, which would
 * cost a minute of CPU and prove nothing more.
 */
export function isHeavy(payload: string): boolean {
  return (payload.match(/\.(map|filter|exists|all)\(|cel\.bind\(/g) ?? []).length >= 2;
}

const HEAVY_PLACES = new Set(['prompt', 'set', 'output']);

export function runEscapeCorpus(guards: Guards): CorpusResult {
  const scopes = hostileScopes();
  const payloads = escapePayloads();
  const direct = new FuzzStats('escape corpus, evaluated directly');
  const evaluatedToData = new Map<string, string>();
  for (const p of payloads) {
    for (const how of isHeavy(p) ? (['plain'] as const) : DISGUISES) {
      const expr = disguise(p, how);
      for (const s of scopes) {
        direct.cases++;
        let threw: unknown = null;
        const { ms, result } = cpuTimed(() => {
          try {
            return evaluateExpr(expr, s.scope);
          } catch (err) {
            threw = err;
            return null;
          }
        });
        direct.time(ms, `evaluateExpr[${s.name}]`, expr, how);
        if (ms > CALL_CAP_MS) throw new FuzzFailure('evaluateExpr is bounded', expr, `${ms.toFixed(0)} ms of CPU on scope ${s.name}`);
        if (threw !== null) {
          if (!(threw instanceof ExpressionError)) throw new FuzzFailure('evaluateExpr throws only ExpressionError', expr, `threw ${String(threw)}`);
          direct.refused++;
        } else {
          const bad = notPlainJson(result);
          if (bad) throw new FuzzFailure('evaluateExpr gives plain JSON data', expr, bad);
          if (!guards.clean(JSON.stringify(result))) throw new FuzzFailure('evaluateExpr reaches no host state', expr, 'the result holds a canary');
          direct.accepted++;
          if (how === 'plain' && !evaluatedToData.has(p)) evaluatedToData.set(p, JSON.stringify(result).slice(0, 80));
        }
        const problems = guards.check();
        if (problems.length > 0) throw new FuzzFailure('nothing is polluted, no trap is sprung', expr, problems.join('; '));
      }
    }
  }

  const placed = new FuzzStats('escape corpus, in every place of a definition');
  // One scope per value, rotating: the direct pass above already evaluates every payload on every scope.
  const ctx: CheckContext = { stats: placed, guards, scopes, where: '', scopesPerValue: 1, serial: 0 };
  for (const p of payloads) {
    for (const place of PLACES) {
      if (isHeavy(p) && !HEAVY_PLACES.has(place)) continue;
      ctx.where = `${place}: ${p.slice(0, 60)}`;
      checkCase({ family: 'escape', text: placeExpression(p, place), exprs: [] }, ctx);
      placed.count(place);
    }
  }

  const documents = new FuzzStats('hostile documents');
  const dctx: CheckContext = { stats: documents, guards, scopes, where: '', scopesPerValue: scopes.length, serial: 0 };
  for (const d of hostileDocuments()) {
    dctx.where = d.name;
    checkCase({ family: 'mutated', text: d.text, exprs: [] }, dctx);
    const codes: string[] = validate(d.text, FILE).map((x) => x.code);
    if (d.expect.kind === 'valid' && codes.length > 0) throw new FuzzFailure(`${d.name} is valid`, d.text, `got ${codes.join(', ')}`);
    if (d.expect.kind === 'refused') {
      if (codes.length === 0) throw new FuzzFailure(`${d.name} is refused`, d.text, 'it compiled');
      const missing = d.expect.codes.filter((c) => !codes.includes(c));
      if (missing.length > 0) throw new FuzzFailure(`${d.name} is refused with ${d.expect.codes.join(', ')}`, d.text, `got ${codes.join(', ')}`);
    }
  }
  return { direct, placed, documents, evaluatedToData };
}
