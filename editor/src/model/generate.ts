/**
 * Generated definitions of any size, for the benchmark and the large-graph
 * tests: a mix of every step kind, containers included, that validates.
 */

/** A definition with exactly `steps` steps (counting the steps inside containers). */
export function generateDefinition(steps: number, name = 'generated'): string {
  const lines: string[] = [
    `# ${steps} generated steps.`,
    `swarm: ${name}`,
    'version: 1',
    'inputs:',
    '  type: object',
    '  properties:',
    '    topic: { type: string }',
    'models:',
    '  fast: { pool: default, model: kimi-k2.6 }',
    'tools:',
    '  read: { uses: fs.read }',
    'agents:',
    '  worker:',
    '    model: fast',
    '    instructions: Do one small thing well.',
    'steps:',
  ];
  let n = 0;
  let prev: string | null = null;
  const leaf = (indent: string, id: string, variant: number): string[] => {
    const ref = prev ? `\${{ steps.${prev}.output }}` : '${{ inputs.topic }}';
    switch (variant % 4) {
      case 0:
        return [`${indent}- id: ${id}`, `${indent}  llm: fast`, `${indent}  prompt: "Step ${id}: improve ${ref}"`];
      case 1:
        return [`${indent}- id: ${id}`, `${indent}  agent: worker`, `${indent}  prompt: "Check ${ref}"`];
      case 2:
        return [`${indent}- id: ${id}`, `${indent}  tool: read`, `${indent}  with: { path: notes.md }`];
      default:
        return [`${indent}- id: ${id}`, `${indent}  set:`, `${indent}    value: \${{ "${id}" }}`];
    }
  };
  while (n < steps) {
    const left = steps - n;
    const id = `s${n}`;
    if (n % 25 === 24 && left >= 3) {
      // A forEach with two steps inside: 3 steps.
      lines.push(`  - id: ${id}`, `    forEach: \${{ [1, 2, 3] }}`, '    do:');
      lines.push(...leaf('      ', `${id}_a`, n), ...leaf('      ', `${id}_b`, n + 1));
      n += 3;
    } else if (n % 25 === 12 && left >= 3) {
      // A parallel with two branches: 3 steps.
      lines.push(`  - id: ${id}`, '    parallel:');
      lines.push(...leaf('      ', `${id}_a`, n), ...leaf('      ', `${id}_b`, n + 1));
      n += 3;
    } else {
      lines.push(...leaf('  ', id, n));
      n += 1;
    }
    prev = id;
  }
  lines.push(`output: \${{ steps.${prev ?? 's0'}.output }}`);
  return lines.join('\n') + '\n';
}
