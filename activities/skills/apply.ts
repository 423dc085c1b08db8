/**
 * Applying skills: resolving the versions a run uses (once, when it starts,
 * so replays see the same versions), the text added to an agent's system
 * prompt, and the check of an output against a skill's schema.
 */
import type { BlobStore } from '../blobs';
import type { ResolvedSkill } from '../contracts';
import { messageOf } from '../tools/errors';
import { validateJson } from '../tools/json-schema';
import { SkillNotFoundError } from './errors';
import { checkRange } from './names';
import { normalizeBody } from './skill-md';
import type { SkillStore } from './store';
import type { Json, Skill } from './types';

/**
 * Resolves each `name@range` to the highest stored version. Throws
 * SkillNotFoundError naming every missing skill and the versions there are.
 * The prompt section of each skill is stored as a blob (`instructions`).
 */
export async function resolveSkills(refs: { name: string; range: string }[], store: SkillStore, blobs: BlobStore): Promise<ResolvedSkill[]> {
  const problems: string[] = [];
  const out: ResolvedSkill[] = [];
  let names: string[] | null = null;
  for (const ref of refs) {
    let range: string;
    try {
      range = checkRange(ref.name, ref.range);
    } catch (err) {
      problems.push(messageOf(err));
      continue;
    }
    const stored = await store.get(ref.name, range);
    if (stored) {
      out.push({
        name: stored.skill.name,
        version: stored.skill.version,
        hash: stored.hash,
        instructions: await blobs.put(skillPromptSection(stored.skill)),
        outputSchema: stored.skill.outputSchema,
      });
      continue;
    }
    const versions = await store.versions(ref.name);
    if (versions.length > 0) {
      problems.push(`skill "${ref.name}" has no version matching "${range}" (stored versions: ${versions.join(', ')}); widen the range in the swarm's skills list`);
    } else {
      names ??= (await store.list()).map((s) => s.name);
      problems.push(
        `skill "${ref.name}" is not in the Skill store (stored skills: ${names.length > 0 ? names.join(', ') : 'none'}); capture it with a captureSkill step or import it with: swarmflow skills import DOC.md`,
      );
    }
  }
  if (problems.length > 0) throw new SkillNotFoundError(problems);
  return out;
}

/** The text added to an agent's system prompt for one skill. */
export function skillPromptSection(skill: Skill): string {
  const parts = [
    `# Skill: ${skill.name} (version ${skill.version})`,
    `${skill.description.trim()}`,
    'Follow this skill when your task matches it: it records how this kind of task was solved well before. Its output template and schema say what your final answer must look like.',
    normalizeBody(skill.body),
  ];
  if (skill.outputSchema !== null) parts.push(`Output schema (JSON Schema) of the final answer:\n${JSON.stringify(skill.outputSchema)}`);
  return parts.join('\n\n');
}

/** Checks an output against a skill's schema; `ok` when the skill has none. */
export function checkAgainstSkill(output: Json, skill: { name: string; version: string; outputSchema: Json | null }): { ok: boolean; errors: string[] } {
  const schema = skill.outputSchema;
  if (schema === null) return { ok: true, errors: [] };
  const usable = typeof schema === 'boolean' ? schema : typeof schema === 'object' && !Array.isArray(schema) ? schema : null;
  if (usable === null) return { ok: false, errors: [`skill ${skill.name}@${skill.version}: its output schema is not a JSON Schema`] };
  const errors = validateJson(usable, output).map((e) => `skill ${skill.name}@${skill.version}: ${e}`);
  return { ok: errors.length === 0, errors };
}
