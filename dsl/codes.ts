/**
 * The error catalogue: every diagnostic the language reports has one of these
 * stable codes. docs/dsl.md lists them with examples (a test keeps the two in
 * step), so a code in an editor or a CI log leads to its explanation.
 */
export const CODES = {
  // The document itself (YAML, hostile input).
  SF001: 'document larger than 1 MiB',
  SF002: 'more than 100 aliases',
  SF003: 'nesting deeper than 64 levels',
  SF004: 'duplicate key in a mapping',
  SF005: 'forbidden key (__proto__, constructor, prototype)',
  SF006: 'YAML syntax error',
  SF007: 'YAML tag outside the core schema',
  SF008: 'more than one YAML document in the file',
  SF009: 'empty document, or not a mapping',
  SF010: 'alias to an anchor that is not defined before it',
  SF011: 'aliases expand to too much data',
  SF012: 'a key that is not a plain string',
  SF013: 'more problems than one file reports (the rest are counted, not shown)',

  // The shape (JSON Schema).
  SF101: 'missing required key',
  SF102: 'unknown key',
  SF103: 'value of the wrong type',
  SF104: 'invalid name',
  SF105: 'value not among the allowed ones',
  SF106: 'a step without exactly one kind key',
  SF107: 'number out of range',
  SF108: 'invalid duration',
  SF109: 'empty value where one is required',
  SF110: 'value too long',
  SF111: 'item listed twice',
  SF112: 'shell or http tool without an allow list',
  SF113: 'invalid JSON Schema in inputs or output.schema',
  SF114: 'unsafe or invalid regular expression in a schema pattern',
  SF119: 'other shape error',

  // References and meaning.
  SF201: 'duplicate step id',
  SF202: 'step id that is a CEL reserved word',
  SF203: 'reference to an undefined agent',
  SF204: 'reference to an undefined model',
  SF205: 'reference to an undefined tool',
  SF206: 'reference to an undefined step',
  SF207: 'skill not listed in the swarm\'s skills',
  SF208: 'invalid semver range',
  SF209: 'skill listed twice',
  SF210: 'swarm step that runs its own swarm',
  SF211: 'forEach `as` name that hides another name',
  SF212: 'captureSkill from its own step',
  SF213: 'expression in a field that takes literal text',

  // Expressions.
  SF301: '${{ without a closing }}',
  SF302: 'empty expression',
  SF303: 'expression syntax error',
  SF304: 'expression type error',
  SF305: 'name not in scope',
  SF306: 'steps.<id> names no step',
  SF307: 'steps.<id> field other than output, status, iteration',
  SF308: 'function not allowed (not deterministic or not bounded)',
  SF309: 'condition that is not a bool',
  SF310: 'forEach over something that is not a list',
  SF311: 'expression too long',

  // Limits.
  SF401: 'zero duration',
  SF402: 'duration longer than 365 days',
  SF403: 'forEach concurrency above limits.maxSubAgents',
  SF404: 'retry maxInterval shorter than initialInterval',
  SF405: 'sleep longer than the run deadline',

  // A bug in swarmflow, never a user error: please report it.
  SF999: 'internal error',
} as const;

export type Code = keyof typeof CODES;
