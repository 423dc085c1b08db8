/**
 * The swarm language: parse, validate and compile definitions; evaluate
 * expressions. Runs in Node and in the browser (no Node built-ins).
 *
 * Workflow code must import `dsl/expr` and `dsl/ir` directly, never this
 * index: it pulls in ajv and yaml, which do not belong in the workflow bundle.
 */
export type { Diagnostic } from './diagnostic';
export { formatDiagnostic } from './diagnostic';
export { CODES } from './codes';
export type { Code } from './codes';
export { validate, compile, parseDocument, sortDiagnostics } from './validate';
export type { ParsedDocument } from './validate';
export { nodeAtPointer, rangeOfPointer, pointerAtOffset } from './locate';
export { irToYaml } from './to-yaml';
export { evaluateExpr, evaluateValue, ExpressionError, EXPR_LIMITS } from './expr';
export { canonicalJson, sha256Hex } from './canonical';
export { DOCUMENT_LIMITS } from './prescan';
export { parseDuration, formatDuration } from './duration';
export * from './ir';
