/** Skills: the SKILL.md format, the versioned store, capture, import and application. */
export type { Skill, SkillContent, SkillDraft, SkillProvenance, SkillPutResult, SkillSummary, StoredSkill, VersionBump } from './types';
export { SkillCaptureError, SkillFormatError, SkillNotFoundError, SkillRefError, SkillVersionExistsError } from './errors';
export type { SkillPutOptions, SkillStore } from './store';
export { DEFAULT_SKILLS_DIR, FsSkillStore } from './fs-store';
export { parseSkillMarkdown, serializeSkill, skillHash, skillSections, splitFrontMatter } from './skill-md';
export { parseSkillRef } from './names';
export { captureSkill, type CaptureDeps } from './capture';
export { importSkillDocument, type ImportDeps, type ImportResult } from './import';
export { checkAgainstSkill, resolveSkills, skillPromptSection } from './apply';
export { createSkillService, type SkillServiceImpl, type SkillServiceOptions } from './service';
export { SKILL_DRAFT_SCHEMA, SKILL_WRITER_SYSTEM } from './meta-template';
export type { ChatFunction } from './draft';
