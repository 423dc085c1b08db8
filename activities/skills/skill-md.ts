/**
 * SKILL.md: YAML front matter between `---` lines, then Markdown.
 *
 * Front matter is parsed with the YAML core schema, duplicate keys refused,
 * aliases and size capped, then checked field by field (no casts): `name`
 * and `description` as Agent Skills require, our `version`, `outputSchema`
 * and `provenance`, and any other keys kept as they are.
 */
import { parseDocument, stringify } from 'yaml';
import { canonicalJson, sha256Hex } from '../tools/canonical-json';
import { messageOf } from '../tools/errors';
import { checkSchema, isJson } from '../tools/json-schema';
import { SkillFormatError } from './errors';
import { nameProblem, versionProblem } from './names';
import type { Json, Skill, SkillContent, SkillProvenance } from './types';

export const MAX_SKILL_BYTES = 1024 * 1024;
const MAX_DESCRIPTION = 1024;
const KNOWN_KEYS = new Set(['name', 'version', 'description', 'outputSchema', 'provenance']);

export interface SplitDocument {
  /** Parsed front matter, or null when the document has none. */
  frontMatter: { [key: string]: Json } | null;
  body: string;
}

/** Separates and parses the front matter. Throws SkillFormatError for malformed YAML. */
export function splitFrontMatter(text: string, where: string): SplitDocument {
  if (Buffer.byteLength(text) > MAX_SKILL_BYTES) throw new SkillFormatError(where, [`the document is larger than ${MAX_SKILL_BYTES} bytes`]);
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  if (!/^---[ \t]*\n/.test(src)) return { frontMatter: null, body: src };
  const rest = src.slice(src.indexOf('\n') + 1);
  const end = /^---[ \t]*$/m.exec(rest);
  if (!end) throw new SkillFormatError(where, ['the front matter starts with --- but has no closing --- line']);
  const yamlText = rest.slice(0, end.index);
  const body = normalizeBody(rest.slice(end.index + end[0].length));
  const doc = parseDocument(yamlText, { schema: 'core', uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new SkillFormatError(where, doc.errors.map((e) => `front matter line ${(e.linePos?.[0]?.line ?? 0) + 1}: ${e.message.split('\n')[0]}`));
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    throw new SkillFormatError(where, [`front matter: ${messageOf(err)}`]);
  }
  if (value === null || value === undefined) return { frontMatter: {}, body };
  if (!isJson(value) || typeof value !== 'object' || Array.isArray(value)) throw new SkillFormatError(where, ['the front matter must be a mapping of keys to values']);
  return { frontMatter: value, body };
}

function isRecord(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function provenanceOf(v: Json | undefined, problems: string[]): SkillProvenance | null {
  if (v === undefined || v === null) return null;
  if (!isRecord(v)) {
    problems.push('provenance must be a mapping with run, step, model and date');
    return null;
  }
  const { run, step, model, date, key, source, simulated } = v;
  const strings = { run, step, model, date };
  for (const [k, val] of Object.entries(strings)) if (typeof val !== 'string') problems.push(`provenance.${k} must be a string`);
  if (typeof run !== 'string' || typeof step !== 'string' || typeof model !== 'string' || typeof date !== 'string') return null;
  const p: SkillProvenance = { run, step, model, date };
  if (typeof key === 'string') p.key = key;
  if (typeof source === 'string') p.source = source;
  if (simulated === true) p.simulated = true;
  return p;
}

/**
 * Checks parsed front matter and builds the skill's content. `version` is
 * returned separately (null when absent: Agent Skills documents have none).
 */
export function contentFromFrontMatter(fm: { [key: string]: Json }, body: string, where: string): { content: SkillContent; version: string | null } {
  const problems: string[] = [];
  const nameErr = nameProblem(fm['name']);
  if (nameErr) problems.push(nameErr);
  const description = fm['description'];
  if (typeof description !== 'string' || description.trim() === '') problems.push('description must be a non-empty string (what the skill does and when to use it)');
  else if (description.length > MAX_DESCRIPTION) problems.push(`description is longer than ${MAX_DESCRIPTION} characters`);
  const version = fm['version'];
  let v: string | null = null;
  if (version !== undefined && version !== null) {
    const vErr = versionProblem(version);
    if (vErr) problems.push(vErr);
    else if (typeof version === 'string') v = version;
  }
  const schema = fm['outputSchema'];
  if (schema !== undefined && schema !== null) for (const p of checkSchema(schema)) problems.push(`outputSchema: ${p}`);
  const provenance = provenanceOf(fm['provenance'], problems);
  if (problems.length > 0) throw new SkillFormatError(where, problems);
  const extra: { [key: string]: Json } = {};
  for (const [k, val] of Object.entries(fm)) if (!KNOWN_KEYS.has(k)) extra[k] = val;
  return {
    content: {
      name: String(fm['name']),
      description: String(description),
      outputSchema: schema === undefined ? null : schema,
      provenance,
      extra,
      body,
    },
    version: v,
  };
}

/** Parses a stored SKILL.md, which must carry a version. */
export function parseSkillMarkdown(text: string, where: string): Skill {
  const { frontMatter, body } = splitFrontMatter(text, where);
  if (!frontMatter) throw new SkillFormatError(where, ['no front matter: a SKILL.md starts with --- and YAML with at least name and description']);
  const { content, version } = contentFromFrontMatter(frontMatter, body, where);
  if (version === null) throw new SkillFormatError(where, ['version is missing']);
  return { ...content, version };
}

/** Writes SKILL.md: known keys first in a fixed order, then the others sorted, then the body. */
export function serializeSkill(skill: Skill): string {
  const fm: { [key: string]: Json } = { name: skill.name, version: skill.version, description: skill.description };
  if (skill.outputSchema !== null) fm['outputSchema'] = skill.outputSchema;
  if (skill.provenance) fm['provenance'] = { ...skill.provenance };
  for (const k of Object.keys(skill.extra).sort()) {
    const v = skill.extra[k];
    if (v !== undefined) fm[k] = v;
  }
  const yaml = stringify(fm, { lineWidth: 0, aliasDuplicateObjects: false });
  return `---\n${yaml}---\n\n${normalizeBody(skill.body)}\n`;
}

/** Line endings and trailing spaces do not make a new version. */
export function normalizeBody(body: string): string {
  return body
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((l) => l.replace(/[ \t]+$/, ''))
    .join('\n')
    .trim();
}

/** `sha256:<hex>` of the canonical content: name, description, output schema, other front matter, body. */
export function skillHash(content: SkillContent): string {
  const canonical = canonicalJson({
    name: content.name,
    description: content.description.trim(),
    outputSchema: content.outputSchema,
    extra: content.extra,
    body: normalizeBody(content.body),
  });
  return `sha256:${sha256Hex(canonical)}`;
}

/** The `## ` sections of a body, in order (text before the first one is titled ""). */
export function skillSections(body: string): { title: string; text: string }[] {
  const out: { title: string; text: string }[] = [];
  let current = { title: '', lines: [] as string[] };
  let fence = false;
  for (const line of normalizeBody(body).split('\n')) {
    if (/^(```|~~~)/.test(line)) fence = !fence;
    const m = !fence ? /^##\s+(.+?)\s*#*\s*$/.exec(line) : null;
    if (m && m[1] && !line.startsWith('###')) {
      out.push({ title: current.title, text: current.lines.join('\n').trim() });
      current = { title: m[1], lines: [] };
    } else current.lines.push(line);
  }
  out.push({ title: current.title, text: current.lines.join('\n').trim() });
  return out.filter((s) => s.title !== '' || s.text !== '');
}
