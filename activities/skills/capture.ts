/**
 * `captureSkill`: turns a finished step (its transcripts in the blob store
 * and its output) into the next version of a Skill.
 *
 * Idempotent: a retried activity finds the version it already stored (by
 * its idempotency key in the provenance), and the same content captured
 * again, by any run, dedupes to the existing version.
 */
import type { BlobStore } from '../blobs';
import type { CaptureSkillInput, CaptureSkillResult } from '../contracts';
import { checkSchema, validateJson } from '../tools/json-schema';
import { draftBody, writeSkillDraft, type ChatFunction } from './draft';
import { inferSchema, isTrivialSchema } from './infer-schema';
import { captureUserPrompt } from './meta-template';
import { checkName } from './names';
import type { SkillStore } from './store';
import { clip, renderTranscripts } from './transcript';
import type { Json, SkillContent, SkillDraft } from './types';

const OUTPUT_BUDGET = 20_000;

export interface CaptureDeps {
  chat: ChatFunction;
  blobs: BlobStore;
  store: SkillStore;
  /** Model id for the request; default: the step's `model.model`. */
  model?: string;
  /** Clock for the provenance date (tests pin it). */
  now?: () => Date;
  /** Characters of transcript shown to the model (default 60000). */
  transcriptBudget?: number;
}

/** The version of `name` an earlier attempt of this same capture stored, if any. */
async function earlierAttempt(store: SkillStore, name: string, key: string): Promise<CaptureSkillResult | null> {
  const versions = await store.versions(name);
  for (const v of [...versions].reverse()) {
    const stored = await store.get(name, v);
    if (stored?.skill.provenance?.key === key) return { name, version: v, hash: stored.hash, created: false };
  }
  return null;
}

/** Problems of a draft's output schema: unusable, or rejecting the very output it was captured from. */
function outputSchemaCheck(output: Json) {
  return (draft: SkillDraft): string[] => {
    const schema = draft.outputSchema;
    if (isTrivialSchema(schema)) return [];
    const problems = checkSchema(schema).map((p) => `outputSchema: ${p}`);
    if (problems.length > 0) return problems;
    const rejects = validateJson(typeof schema === 'boolean' ? schema : typeof schema === 'object' && schema !== null && !Array.isArray(schema) ? schema : {}, output);
    return rejects.length > 0 ? [`outputSchema rejects the step's own final output (${rejects.slice(0, 3).join('; ')}); derive it from that output`] : [];
  };
}

export async function captureSkill(input: CaptureSkillInput, deps: CaptureDeps): Promise<CaptureSkillResult> {
  checkName(input.skill);
  const again = await earlierAttempt(deps.store, input.skill, input.ctx.idempotencyKey);
  if (again) return again;

  const texts: string[] = [];
  for (const ref of input.from.transcripts) texts.push((await deps.blobs.get(ref)).toString('utf8'));
  const output = input.from.output;
  const user = captureUserPrompt({
    skill: input.skill,
    description: input.description.trim(),
    stepId: input.from.stepId,
    output: clip(typeof output === 'string' ? output : JSON.stringify(output, null, 2), OUTPUT_BUDGET),
    transcripts: renderTranscripts(texts, deps.transcriptBudget),
  });
  const { draft, model, simulated } = await writeSkillDraft({
    chat: deps.chat,
    model: deps.model ?? input.model.model,
    temperature: input.model.temperature,
    maxTokens: input.model.maxTokens,
    user,
    check: outputSchemaCheck(output),
    skill: input.skill,
  });
  const description = (input.description.trim() || draft.description.trim()).slice(0, 1024);
  const content: SkillContent = {
    name: input.skill,
    description,
    outputSchema: isTrivialSchema(draft.outputSchema) ? inferSchema(output) : draft.outputSchema,
    provenance: {
      run: input.ctx.runId,
      step: input.from.stepId,
      model,
      date: (deps.now ?? (() => new Date()))().toISOString(),
      key: input.ctx.idempotencyKey,
      ...(simulated ? { simulated: true } : {}),
    },
    extra: {},
    body: draftBody(input.skill, draft, description),
  };
  return deps.store.put(content, { bump: 'minor' });
}
