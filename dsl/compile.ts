/**
 * A definition's data -> SwarmIR: every default filled, every reference
 * resolved, every expression parsed and checked, the sha256 of the canonical
 * IR. Pure and deterministic: the same data always gives the same IR and hash.
 *
 * It runs on data that may have failed the schema too (so that all of a
 * file's errors are reported at once); the IR is only returned when there is
 * no problem at all.
 */
import validRange from 'semver/ranges/valid';
import { DEFAULTS, IR_VERSION } from './ir';
import type { AgentIR, LimitsIR, ModelIR, SkillRefIR, SwarmIR, ToolIR } from './ir';
import type { CompileContext } from './compile-context';
import { report } from './compile-context';
import { compileValue, requireLiteral } from './compile-value';
import { TOP_SCOPE, allSteps, checkStepIds, compileSteps, durationAt, kindOf, stringList } from './compile-steps';
import type { Problem } from './diagnostic';
import { canonicalJson, sha256Hex } from './canonical';
import { has, int, isMap, list, map, num, own, str, toJson } from './json';
import type { JsonMap } from './json';
import { join } from './pointer';
import { nameList, quote, subjectOf, suggest } from './describe';
import { patternProblems } from './regex-safety';

export type UnhashedIR = Omit<SwarmIR, 'sha256'>;

export function compileDefinition(root: JsonMap, lineOf: (ptr: string) => number | null): { ir: UnhashedIR; problems: Problem[] } {
  const problems: Problem[] = [];
  const swarmName = str(root, 'swarm') ?? '';
  const limitsData = map(root, 'limits') ?? {};
  const steps = allSteps(own(root, 'steps'), '/steps');

  const stepIds = new Set<string>();
  const loopIds = new Set<string>();
  const itemNames = new Set<string>();
  for (const { step } of steps) {
    const id = str(step, 'id');
    if (id !== undefined) stepIds.add(id);
    const kind = kindOf(step);
    if (kind === 'loop' && id !== undefined) loopIds.add(id);
    if (kind === 'forEach') itemNames.add(str(step, 'as') ?? 'item');
  }

  const ctx: CompileContext = {
    root,
    problems,
    facts: { stepIds, loopIds, itemNames },
    limits: { maxSubAgents: DEFAULTS.maxSubAgents, maxSteps: DEFAULTS.maxSteps, deadlineMs: DEFAULTS.deadlineMs, tokens: DEFAULTS.tokens },
    swarmName,
    models: new Set(Object.keys(map(root, 'models') ?? {})),
    tools: new Set(Object.keys(map(root, 'tools') ?? {})),
    agents: new Set(Object.keys(map(root, 'agents') ?? {})),
    skills: new Set<string>(),
    lineOf,
  };
  const limits: LimitsIR = {
    maxSubAgents: int(limitsData, 'maxSubAgents') ?? DEFAULTS.maxSubAgents,
    maxSteps: int(limitsData, 'maxSteps') ?? DEFAULTS.maxSteps,
    deadlineMs: durationAt(ctx, limitsData, 'deadline', '/limits') ?? DEFAULTS.deadlineMs,
    tokens: int(limitsData, 'tokens') ?? DEFAULTS.tokens,
  };
  ctx.limits = limits;

  if (has(root, 'description')) requireLiteral(ctx, own(root, 'description'), '/description');
  const skills = compileSkills(ctx);
  ctx.skills = new Set(skills.map((s) => s.name));
  const models = compileModels(ctx);
  const tools = compileTools(ctx);
  const agents = compileAgents(ctx);
  checkStepIds(ctx, steps);
  const compiledSteps = compileSteps(ctx, own(root, 'steps'), '/steps', TOP_SCOPE);
  const output = has(root, 'output') ? compileValue(ctx, own(root, 'output'), '/output', TOP_SCOPE) : null;
  // Schema patterns that backtrack exponentially (ReDoS) are refused: SF114.
  problems.push(...patternProblems(root, steps));

  const ir: UnhashedIR = {
    irVersion: IR_VERSION,
    name: swarmName,
    version: int(root, 'version') ?? 1,
    description: str(root, 'description') ?? null,
    inputs: has(root, 'inputs') ? toJson(own(root, 'inputs')) : null,
    limits,
    models,
    tools,
    skills,
    agents,
    steps: compiledSteps,
    output,
  };
  return { ir, problems };
}

/** Adds the hash: sha256 of the canonical JSON of the IR without `sha256`. */
export function hashIR(ir: UnhashedIR): SwarmIR {
  return { ...ir, sha256: sha256Hex(canonicalJson(ir)) };
}

function compileSkills(ctx: CompileContext): SkillRefIR[] {
  const out: SkillRefIR[] = [];
  const seen = new Set<string>();
  (list(ctx.root, 'skills') ?? []).forEach((ref, i) => {
    if (typeof ref !== 'string') return;
    const at = join('/skills', i);
    const sign = ref.indexOf('@');
    const name = sign < 0 ? ref : ref.slice(0, sign);
    const range = sign < 0 ? '*' : ref.slice(sign + 1);
    if (sign >= 0 && validRange(range) === null) {
      report(ctx, 'SF208', at, `the skill reference ${quote(ref)} has an invalid semver range ${quote(range)}; use a range such as ^2 or >=1.2 <2`);
    }
    if (seen.has(name)) report(ctx, 'SF209', at, `the skill "${name}" is listed more than once in skills; keep one entry with one range`);
    seen.add(name);
    out.push({ name, range });
  });
  return out;
}

function entries(ctx: CompileContext, key: string): [string, JsonMap, string][] {
  const m = map(ctx.root, key) ?? {};
  const out: [string, JsonMap, string][] = [];
  for (const name of Object.keys(m)) {
    const v = m[name];
    if (isMap(v)) out.push([name, v, join(join('', key), name)]);
  }
  return out;
}

function compileModels(ctx: CompileContext): { [name: string]: ModelIR } {
  const out: [string, ModelIR][] = [];
  for (const [name, m, at] of entries(ctx, 'models')) {
    requireLiteral(ctx, m, at);
    out.push([
      name,
      {
        pool: str(m, 'pool') ?? 'default',
        model: str(m, 'model') ?? '',
        temperature: num(m, 'temperature') ?? null,
        maxTokens: int(m, 'maxTokens') ?? null,
        quantization: str(m, 'quantization') ?? null,
      },
    ]);
  }
  return Object.fromEntries(out);
}

function compileTools(ctx: CompileContext): { [name: string]: ToolIR } {
  const out: [string, ToolIR][] = [];
  for (const [name, t, at] of entries(ctx, 'tools')) {
    const config = map(t, 'with') ?? {};
    requireLiteral(ctx, config, join(at, 'with'));
    const json = toJson(config);
    out.push([name, { uses: str(t, 'uses') ?? '', with: isMap(json) ? json : {} }]);
  }
  return Object.fromEntries(out);
}

function compileAgents(ctx: CompileContext): { [name: string]: AgentIR } {
  const out: [string, AgentIR][] = [];
  for (const [name, a, at] of entries(ctx, 'agents')) {
    const owner = subjectOf(ctx.root, at);
    const model = str(a, 'model');
    if (model !== undefined && !ctx.models.has(model)) {
      const guess = suggest(model, ctx.models);
      const hint = guess ? `; did you mean "${guess}"? (models: ${nameList([...ctx.models])})` : ` (models: ${nameList([...ctx.models])})`;
      report(ctx, 'SF204', join(at, 'model'), `${owner} uses model "${model}", which is not defined${hint}`);
    }
    if (has(a, 'instructions')) requireLiteral(ctx, own(a, 'instructions'), join(at, 'instructions'));
    const tools = stringList(a, 'tools');
    tools.forEach((tool, i) => {
      if (ctx.tools.has(tool)) return;
      const guess = suggest(tool, ctx.tools);
      const hint = guess ? `; did you mean "${guess}"? (tools: ${nameList([...ctx.tools])})` : ` (tools: ${nameList([...ctx.tools])})`;
      report(ctx, 'SF205', join(join(at, 'tools'), i), `${owner} lists tool "${tool}", which is not defined${hint}`);
    });
    const skills = stringList(a, 'skills');
    skills.forEach((skill, i) => {
      if (ctx.skills.has(skill)) return;
      report(
        ctx,
        'SF207',
        join(join(at, 'skills'), i),
        `${owner} applies skill "${skill}", which is not in the swarm's skills list (skills: ${nameList([...ctx.skills])}); add it there`,
      );
    });
    out.push([
      name,
      {
        model: model ?? '',
        instructions: str(a, 'instructions') ?? '',
        tools,
        skills,
        maxTurns: int(a, 'maxTurns') ?? DEFAULTS.maxTurns,
      },
    ]);
  }
  return Object.fromEntries(out);
}
