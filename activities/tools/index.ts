/** Tools: the registry, built-in kinds, user kinds and the effect ledger. */
export type { Json, JSONSchema, ToolConfig, ToolContext, ToolEffect, ToolKind, ToolRunResult } from './types';
export { ToolArgsError, ToolConfigError, ToolError, ToolModuleError, ToolRefusedError, UnknownToolKindError } from './errors';
export { builtinToolKinds, createToolRegistry, ToolCancelledError, type ToolFunctionSpec, type ToolRegistry, type ToolRegistryOptions } from './registry';
export { FileEffectLedger, LedgerCorruptError, MemoryEffectLedger, readEffectLog, type EffectLedger, type EffectRecord } from './ledger';
export { loadToolModules, toToolKind } from './user-modules';
export { createHttpKinds, type HttpKindOptions } from './http';
export { systemResolver, isPrivateAddress, type Resolver, type ResolvedAddress } from './net-guard';
export { checkSchema, validateJson } from './json-schema';
export { parseDuration } from './limits';
