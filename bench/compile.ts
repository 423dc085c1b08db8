/**
 * Benchmark of the language: validate + compile of a generated 4,000-step
 * definition (target: under 200 ms), and validation time of each example.
 * Figures are medians of several warm runs, in milliseconds; the CPU figures
 * show what the work costs when the machine is shared. Side by side in the
 * same run: the full path (the `yaml` Document parsed first, as before the
 * fast path), the parsers alone, and the same definition with one error,
 * whose diagnostic needs the Document to be located.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { compile, validate } from '../dsl';
import { readCommonYaml } from '../dsl/fast-yaml';

/**
 * A definition of `groups` x 4 steps: a sequence holding an llm, a tool and a
 * set step, each with expressions; every tenth group also has a condition,
 * a retry and a timeout. About 75 bytes of YAML per step, like hand-written ones.
 */
export function generateDefinition(groups: number): string {
  const lines: string[] = [
    'swarm: bench-4000',
    'version: 1',
    'inputs: { type: object, properties: { topic: { type: string }, dir: { type: string } } }',
    'limits: { maxSteps: 1000000, deadline: 30d }',
    'models:',
    '  fast: { model: kimi-k2.6, maxTokens: 512 }',
    'tools:',
    '  read: { uses: fs.read }',
    'steps:',
  ];
  for (let g = 0; g < groups; g++) {
    const prev = g === 0 ? 'inputs.topic' : `steps.note${g - 1}.output.summary`;
    lines.push(`  - id: g${g}`, '    sequence:', `      - id: ask${g}`, '        llm: fast', `        prompt: "Part ${g} of \${{ inputs.topic }}: \${{ ${prev} }}"`);
    if (g % 10 === 0) lines.push(`        when: \${{ ${g === 0 ? 'true' : `steps.note${g - 1}.output.size > 0`} }}`, '        retry: 3', '        timeout: 2m');
    lines.push(
      `      - id: read${g}`,
      '        tool: read',
      `        with: { path: "\${{ inputs.dir }}/${g}.md" }`,
      `      - id: note${g}`,
      `        set: { summary: "\${{ steps.ask${g}.output }}", size: "\${{ size(steps.read${g}.output) }}" }`,
    );
  }
  lines.push(`output: \${{ steps.note${groups - 1}.output }}`);
  return lines.join('\n') + '\n';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Median wall-clock and CPU milliseconds of `runs` warm runs (CPU time tells a busy machine from a slow pipeline). */
function measure(fn: () => void, runs: number): { wall: number; cpu: number } {
  fn(); // warm up: ajv compiles the schema and the JIT settles on the first run
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const round = (x: number): number => Math.round(x * 100) / 100;
  return { wall: round(median(wall)), cpu: round(median(cpu)) };
}

/** `runs` caps the repetitions of every measurement (1 for the tiny size `npm test` checks; the figures keep their meaning, only noisier). */
export async function benchCompile(o: { runs?: number } = {}): Promise<{ name: string; figures: Record<string, number> }> {
  const reps = (n: number): number => Math.min(n, o.runs ?? n);
  const text = generateDefinition(1000);
  const figures: Record<string, number> = {};
  const first = compile(text, 'bench.swarm.yaml');
  if (!first.ir) throw new Error(`the generated definition does not compile: ${first.diagnostics[0]?.message ?? 'unknown'}`);
  let steps = 0;
  const count = (s: readonly { kind: string; steps?: unknown }[]): void => {
    for (const step of s) {
      steps++;
      if (step.kind === 'sequence' && Array.isArray(step.steps)) count(step.steps);
    }
  };
  count(first.ir.steps);
  figures['steps'] = steps;
  figures['yamlBytes'] = text.length;
  const whole = measure(() => {
    compile(text, 'bench.swarm.yaml');
  }, reps(7));
  figures['validateCompile4000StepsMs'] = whole.wall;
  figures['validateCompile4000StepsCpuMs'] = whole.cpu;
  // The fast path's reader alone: the YAML share of the total.
  if (readCommonYaml(text) === null) throw new Error('the generated definition is outside the fast YAML subset (dsl/fast-yaml.ts)');
  const fastOnly = measure(() => {
    readCommonYaml(text);
  }, reps(7));
  figures['fastParse4000StepsMs'] = fastOnly.wall;
  figures['fastParse4000StepsCpuMs'] = fastOnly.cpu;
  // The yaml package's Document alone: what the full path costs, and what
  // locating a diagnostic costs on top of the fast path.
  const yamlOnly = measure(() => {
    parseDocument(text, { schema: 'core', version: '1.2' });
  }, reps(5));
  figures['yamlParse4000StepsMs'] = yamlOnly.wall;
  figures['yamlParse4000StepsCpuMs'] = yamlOnly.cpu;
  // The baseline, side by side: the same work with the Document parsed first.
  const fullPath = measure(() => {
    compile(text, 'bench.swarm.yaml', { fastPath: false });
  }, reps(5));
  figures['fullPathValidateCompile4000StepsMs'] = fullPath.wall;
  figures['fullPathValidateCompile4000StepsCpuMs'] = fullPath.cpu;
  figures['fastPathSpeedup'] = Math.round((fullPath.cpu / Math.max(whole.cpu, 0.01)) * 100) / 100;
  // One semantic error near the end (an undefined model): the fast path reads
  // the text, then the Document is parsed to locate the diagnostic.
  const last = text.lastIndexOf('llm: fast');
  const invalid = `${text.slice(0, last)}llm: fastr${text.slice(last + 'llm: fast'.length)}`;
  const located = validate(invalid, 'bench.swarm.yaml');
  if (located.length !== 1) throw new Error(`the one-error definition has ${located.length} diagnostics, not 1`);
  const withError = measure(() => {
    validate(invalid, 'bench.swarm.yaml');
  }, reps(5));
  figures['validateOneError4000StepsMs'] = withError.wall;
  figures['validateOneError4000StepsCpuMs'] = withError.cpu;

  for (const dir of [join(__dirname, '..', 'examples'), join(__dirname, '..', '..', 'examples'), join(process.cwd(), 'examples')]) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((f) => f.endsWith('.swarm.yaml'));
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const example = readFileSync(join(dir, name), 'utf8');
      figures[`validate:${name}Ms`] = measure(() => {
        validate(example, name);
      }, reps(15)).wall;
    }
    break;
  }
  return { name: 'dsl compile', figures };
}
