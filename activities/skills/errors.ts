/** Errors of the Skill store, capture and resolution; each names the skill or file and what to do. */

/** Thrown when a SKILL.md (stored or imported) cannot be parsed or its front matter is invalid. */
export class SkillFormatError extends Error {
  constructor(
    public readonly where: string,
    public readonly problems: string[],
  ) {
    super(`${where}: ${problems.join('; ')}`);
    this.name = 'SkillFormatError';
  }
}

/** Thrown when a version is asked for explicitly but already holds different content (versions are immutable). */
export class SkillVersionExistsError extends Error {
  constructor(
    public readonly skill: string,
    public readonly version: string,
  ) {
    super(`skill ${skill}@${version} already exists with different content; versions are immutable, so give the document a new version`);
    this.name = 'SkillVersionExistsError';
  }
}

/** Thrown when skills a run needs are not in the store; the message lists every missing one with the versions there are. */
export class SkillNotFoundError extends Error {
  constructor(public readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'SkillNotFoundError';
  }
}

/** Thrown when the model's skill document is still invalid after one repair attempt (or the model call returned nothing usable). */
export class SkillCaptureError extends Error {
  constructor(
    public readonly skill: string,
    public readonly problems: string[],
  ) {
    super(`capturing skill "${skill}": the model's skill document is invalid after one repair attempt: ${problems.join('; ')}`);
    this.name = 'SkillCaptureError';
  }
}

/** Thrown for a name or range that cannot be looked up (bad characters, not a semver range). */
export class SkillRefError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SkillRefError';
  }
}
