/**
 * `importSkillDocument`: a SKILL.md with valid front matter (ours or an
 * Agent Skills one) is stored as it is; a plain document goes through the
 * same model path as `captureSkill` and becomes a skill document first.
 */
import { checkSchema } from '../tools/json-schema';
import { draftBody, slugName, writeSkillDraft, type ChatFunction } from './draft';
import { SkillFormatError } from './errors';
import { isTrivialSchema } from './infer-schema';
import { importUserPrompt } from './meta-template';
import { nameProblem } from './names';
import { contentFromFrontMatter, splitFrontMatter } from './skill-md';
import type { SkillStore } from './store';
import { clip } from './transcript';
import type { SkillContent, SkillPutResult } from './types';

const DOCUMENT_BUDGET = 60_000;

export interface ImportDeps {
  store: SkillStore;
  /** Needed for plain documents only. */
  chat?: ChatFunction;
  /** Model id for plain documents. */
  model?: string;
  /** Name to store under (overrides the document's or the model's). */
  name?: string;
  /** File name, for messages and provenance. */
  source?: string;
  now?: () => Date;
}

export interface ImportResult extends SkillPutResult {
  /** `skill`: the document was a SKILL.md and was stored as written; `document`: a model wrote the skill from it. */
  from: 'skill' | 'document';
}

export async function importSkillDocument(markdown: string, deps: ImportDeps): Promise<ImportResult> {
  const where = deps.source ?? 'document';
  if (deps.name !== undefined) {
    const p = nameProblem(deps.name);
    if (p) throw new SkillFormatError(where, [p]);
  }
  const { frontMatter, body } = splitFrontMatter(markdown, where);
  // Front matter with a name is a skill; other front matter (a blog post's title and date) is just a document.
  if (frontMatter && 'name' in frontMatter) {
    const fm = deps.name !== undefined ? { ...frontMatter, name: deps.name } : frontMatter;
    const { content, version } = contentFromFrontMatter(fm, body, where);
    const r = await deps.store.put(content, version ? { version } : { bump: 'minor' });
    return { ...r, from: 'skill' };
  }
  if (!deps.chat || !deps.model) {
    throw new SkillFormatError(where, ['this is a plain document (no front matter with name and description), so a model must write the skill from it; configure an inference pool (or start the simulated model) and import again']);
  }
  const { draft, model, simulated } = await writeSkillDraft({
    chat: deps.chat,
    model: deps.model,
    user: importUserPrompt({ document: clip(body, DOCUMENT_BUDGET), name: deps.name ?? null }),
    check: (d) => (isTrivialSchema(d.outputSchema) ? [] : checkSchema(d.outputSchema).map((p) => `outputSchema: ${p}`)),
    skill: deps.name ?? where,
  });
  const name = deps.name ?? slugName(draft.name);
  const problem = nameProblem(name);
  if (problem) throw new SkillFormatError(where, [`the model suggested no usable name (${problem}); import again with a name`]);
  const description = draft.description.trim().slice(0, 1024);
  const content: SkillContent = {
    name,
    description,
    outputSchema: isTrivialSchema(draft.outputSchema) ? null : draft.outputSchema,
    provenance: {
      run: 'import',
      step: 'import',
      model,
      date: (deps.now ?? (() => new Date()))().toISOString(),
      ...(deps.source ? { source: deps.source } : {}),
      ...(simulated ? { simulated: true } : {}),
    },
    extra: {},
    body: draftBody(name, draft, description),
  };
  const r = await deps.store.put(content, { bump: 'minor' });
  return { ...r, from: 'document' };
}
