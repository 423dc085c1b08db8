/** SKILL.md parsing, validation and writing. */
import { SkillFormatError } from '../../activities/skills/errors';
import { parseSkillMarkdown, serializeSkill, skillHash, skillSections, splitFrontMatter } from '../../activities/skills/skill-md';
import type { Skill } from '../../activities/skills/types';

const skill: Skill = {
  name: 'ts-refactor',
  version: '1.2.0',
  description: 'How to refactor one TypeScript module: keep its tests green.',
  outputSchema: { type: 'object', required: ['files'], properties: { files: { type: 'array', items: { type: 'string' } } } },
  provenance: { run: 'repo-refactor/r1', step: 'work', model: 'kimi-k2.6', date: '2026-01-02T03:04:05.000Z', key: 'repo-refactor/r1/learn' },
  extra: { license: 'Apache-2.0', metadata: { team: 'platform' } },
  body: '# ts-refactor\n\n## When to use\n\nOne module at a time.\n\n## Instructions\n\n1. Run the tests.\n\n```md\n## not a section\n```\n\n## Output template\n\n{ "files": [<path>] }',
};

function expectFormatError(text: string, pattern: RegExp): void {
  let caught: unknown;
  try {
    parseSkillMarkdown(text, 'x/SKILL.md');
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SkillFormatError);
  expect(String((caught as Error).message)).toMatch(pattern);
}

test('a skill survives writing and reading, and its hash with it', () => {
  const text = serializeSkill(skill);
  expect(text.startsWith('---\nname: ts-refactor\nversion: 1.2.0\n')).toBe(true);
  const back = parseSkillMarkdown(text, 'x/SKILL.md');
  expect(back).toEqual({ ...skill, body: skill.body });
  expect(skillHash(back)).toBe(skillHash(skill));
});

test('the hash ignores provenance, version, line endings and trailing spaces, but not the content', () => {
  const base = skillHash(skill);
  const otherVersion: Skill = { ...skill, version: '9.9.9', provenance: null };
  expect(skillHash(otherVersion)).toBe(base);
  expect(skillHash({ ...skill, body: `${skill.body.replace(/\n/g, '  \r\n')}\n\n` })).toBe(base);
  expect(skillHash({ ...skill, body: `${skill.body}\nOne more line.` })).not.toBe(base);
  expect(skillHash({ ...skill, outputSchema: null })).not.toBe(base);
});

test('sections are split on level-two headings outside code fences', () => {
  expect(skillSections(skill.body).map((s) => s.title)).toEqual(['', 'When to use', 'Instructions', 'Output template']);
  expect(skillSections(skill.body)[2]?.text).toContain('## not a section');
});

test('documents without front matter are plain documents', () => {
  expect(splitFrontMatter('# Just notes\n\nText.', 'doc').frontMatter).toBeNull();
});

test.each([
  ['---\nname: x\ndescription: d\nversion: 1.0.0\n', /no closing ---/],
  ['---\nname: x\nname: y\ndescription: d\nversion: 1.0.0\n---\n', /Map keys must be unique/],
  ['---\nname: Bad Name\ndescription: d\nversion: 1.0.0\n---\n', /name "Bad Name" must be/],
  ['---\nname: ../etc\ndescription: d\nversion: 1.0.0\n---\n', /name "..\/etc" must be/],
  ['---\nname: x\nversion: 1.0.0\n---\n', /description must be a non-empty string/],
  ['---\nname: x\ndescription: d\nversion: v1\n---\n', /version "v1" must be a semantic version/],
  ['---\nname: x\ndescription: d\n---\n', /version is missing/],
  ['---\nname: x\ndescription: d\nversion: 1.0.0\noutputSchema: { type: strng }\n---\n', /outputSchema: \/type: "strng" is not a JSON Schema type/],
  ['---\nname: x\ndescription: d\nversion: 1.0.0\nprovenance: { run: r }\n---\n', /provenance.step must be a string/],
  ['---\n- a\n- b\n---\n', /mapping/],
  ['# no front matter', /no front matter/],
])('invalid SKILL.md %#', (text, why) => {
  expectFormatError(text, why);
});

test('oversized documents are refused before parsing', () => {
  expectFormatError(`---\nname: x\ndescription: ${'d'.repeat(1024 * 1024)}\n---\n`, /larger than/);
});
