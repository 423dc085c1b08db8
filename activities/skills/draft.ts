/**
 * Asks a model for a skill document with the fixed meta-template, checks the
 * answer, and gives the model one chance to repair it. Shared by
 * `captureSkill` and the import of plain documents.
 */
import type { ChatMessage, ChatRequest, ChatResponse } from '../inference/types';
import { isJson, validateJson } from '../tools/json-schema';
import { SkillCaptureError } from './errors';
import { repairPrompt, SKILL_DRAFT_SCHEMA, SKILL_WRITER_SYSTEM } from './meta-template';
import type { Json, SkillDraft } from './types';

export type ChatFunction = (req: ChatRequest) => Promise<ChatResponse>;

export interface DraftRequest {
  chat: ChatFunction;
  model: string;
  temperature?: number | null;
  maxTokens?: number | null;
  /** The user message: the work (or document) to turn into a skill. */
  user: string;
  /** Checks beyond the schema (e.g. the output schema must accept the captured output). */
  check?: (draft: SkillDraft) => string[];
  /** For error messages. */
  skill: string;
}

export interface DraftResult {
  draft: SkillDraft;
  /** The model that answered, as the endpoint reported it. */
  model: string;
  /** The simulated model answered. */
  simulated: boolean;
}

/** Parses and checks one answer; returns the draft or the problems to show the model. */
export function parseDraft(content: string | null, check?: (d: SkillDraft) => string[]): { draft: SkillDraft | null; problems: string[] } {
  if (content === null || content.trim() === '') return { draft: null, problems: ['the answer was empty'] };
  const text = content.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { draft: null, problems: ['the answer is not JSON'] };
  }
  if (!isJson(value)) return { draft: null, problems: ['the answer is not JSON'] };
  const problems = validateJson(SKILL_DRAFT_SCHEMA, value);
  if (problems.length > 0 || typeof value !== 'object' || value === null || Array.isArray(value)) return { draft: null, problems };
  const str = (k: string): string => {
    const v: Json | undefined = value[k];
    return typeof v === 'string' ? v : '';
  };
  const draft: SkillDraft = {
    name: str('name'),
    description: str('description'),
    whenToUse: str('whenToUse'),
    instructions: str('instructions'),
    outputTemplate: str('outputTemplate'),
    outputSchema: value['outputSchema'] ?? {},
    example: str('example'),
  };
  const more = check ? check(draft) : [];
  return more.length > 0 ? { draft: null, problems: more } : { draft, problems: [] };
}

export async function writeSkillDraft(r: DraftRequest): Promise<DraftResult> {
  const messages: ChatMessage[] = [
    { role: 'system', content: SKILL_WRITER_SYSTEM },
    { role: 'user', content: r.user },
  ];
  const request = (): ChatRequest => ({
    model: r.model,
    messages: [...messages],
    outputSchema: SKILL_DRAFT_SCHEMA,
    temperature: r.temperature ?? null,
    maxTokens: r.maxTokens ?? null,
  });
  const first = await r.chat(request());
  const one = parseDraft(first.content, r.check);
  if (one.draft) return { draft: one.draft, model: first.model || r.model, simulated: first.simulated };
  messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: repairPrompt(one.problems) });
  const second = await r.chat(request());
  const two = parseDraft(second.content, r.check);
  if (two.draft) return { draft: two.draft, model: second.model || r.model, simulated: second.simulated };
  throw new SkillCaptureError(r.skill, two.problems);
}

/** Model headings inside a section would split it; they become third-level headings. */
function demote(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((l) => l.replace(/^#{1,2}(?=\s)/, '###'))
    .join('\n')
    .trim();
}

/** The SKILL.md body of a draft: the four sections every captured skill has. */
export function draftBody(title: string, draft: SkillDraft, description: string): string {
  const section = (heading: string, text: string): string => `## ${heading}\n\n${demote(text) || '(none)'}`;
  return [
    `# ${title}`,
    demote(description),
    section('When to use', draft.whenToUse),
    section('Instructions', draft.instructions),
    section('Output template', draft.outputTemplate),
    section('Example', draft.example),
  ].join('\n\n');
}

/** A model's name suggestion as a skill name: lowercase, hyphens, at most 64 characters. */
export function slugName(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 64)
    .replace(/[-_]+$/g, '');
}
