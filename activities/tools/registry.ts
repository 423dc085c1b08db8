/**
 * The tool registry: the kinds a worker can run (built-ins plus the user's
 * modules), their schemas, and the one `run` path every tool call takes:
 * validate arguments, answer from the effect ledger when the call already
 * happened, run, validate the result, record the effect.
 *
 * A failed call (bad arguments, a refusal, a crash inside the kind) comes
 * back as `{ ok: false, error }` for the model or the tool step to see; only
 * cancellation is thrown (`ToolCancelledError`) so the activity ends as
 * cancelled.
 */
import { canonicalJson, sha256Hex } from './canonical-json';
import { messageOf, ToolArgsError, ToolError, UnknownToolKindError } from './errors';
import { fsList } from './fs-list';
import { fsRead } from './fs-read';
import { fsWrite } from './fs-write';
import { createHttpKinds } from './http';
import { isJson, validateJson } from './json-schema';
import type { Resolver } from './net-guard';
import { shell } from './shell';
import type { Json, ToolConfig, ToolContext, ToolKind, ToolRunResult } from './types';

/** The form offered to a model as a function tool (same shape as inference `ToolSpec`). */
export interface ToolFunctionSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** Thrown by `run` when the call's signal was aborted: the activity was cancelled. */
export class ToolCancelledError extends Error {
  constructor(uses: string) {
    super(`${uses} was cancelled`);
    this.name = 'ToolCancelledError';
  }
}

export interface ToolRegistry {
  kinds(): ToolKind[];
  has(uses: string): boolean;
  /** Throws `UnknownToolKindError` naming the registered kinds. */
  get(uses: string): ToolKind;
  /** Problems of a tool instance's configuration, empty when valid. Run start refuses a run with any. */
  validateConfig(uses: string, config: ToolConfig): string[];
  /** The function tool offered to a model for the instance `name` of kind `uses`. */
  toolSpec(name: string, uses: string, config: ToolConfig): ToolFunctionSpec;
  run(uses: string, config: ToolConfig, args: Json, ctx: Omit<ToolContext, 'config'>): Promise<ToolRunResult>;
}

export interface ToolRegistryOptions {
  /** User kinds (from `loadToolModules`), added to the built-ins. */
  kinds?: ToolKind[];
  /** DNS for the http kinds; tests inject a table. */
  resolver?: Resolver;
}

/** The built-in kinds: fs.read, fs.write, fs.list, shell, http.get, http.post. */
export function builtinToolKinds(opts: { resolver?: Resolver } = {}): ToolKind[] {
  return [fsRead, fsWrite, fsList, shell, ...createHttpKinds(opts.resolver ? { resolver: opts.resolver } : {})];
}

function fail(error: string): ToolRunResult {
  return { ok: false, output: null, error };
}

/** Creates a registry; throws when two kinds share a `uses` name. */
export function createToolRegistry(opts: ToolRegistryOptions = {}): ToolRegistry {
  const byUses = new Map<string, ToolKind>();
  for (const kind of [...builtinToolKinds(opts.resolver ? { resolver: opts.resolver } : {}), ...(opts.kinds ?? [])]) {
    if (byUses.has(kind.uses)) throw new Error(`tool kind "${kind.uses}" is registered twice; rename the user kind (built-ins: fs.read, fs.write, fs.list, shell, http.get, http.post)`);
    byUses.set(kind.uses, kind);
  }

  const get = (uses: string): ToolKind => {
    const kind = byUses.get(uses);
    if (!kind) throw new UnknownToolKindError(uses, [...byUses.keys()]);
    return kind;
  };

  const validateConfig = (uses: string, config: ToolConfig): string[] => {
    const kind = byUses.get(uses);
    if (!kind) return [new UnknownToolKindError(uses, [...byUses.keys()]).message];
    const problems = validateJson(kind.configSchema, config);
    if (problems.length > 0) return problems;
    try {
      return kind.checkConfig ? kind.checkConfig(config) : [];
    } catch (err) {
      return [`checking the configuration failed: ${messageOf(err)}`];
    }
  };

  return {
    kinds: () => [...byUses.values()],
    has: (uses) => byUses.has(uses),
    get,
    validateConfig,
    toolSpec(name, uses, config) {
      const kind = get(uses);
      const extra = kind.describeConfig ? ` ${kind.describeConfig(config)}` : '';
      return { name, description: `${kind.description}${extra}`, parameters: kind.argsSchema(config) };
    },
    async run(uses, config, args, ctx) {
      const kind = byUses.get(uses);
      if (!kind) return fail(new UnknownToolKindError(uses, [...byUses.keys()]).message);
      const configProblems = validateConfig(uses, config);
      if (configProblems.length > 0) return fail(`configuration of ${uses} is invalid: ${configProblems.join('; ')}`);
      const argProblems = isJson(args) ? validateJson(kind.argsSchema(config), args) : ['arguments are not JSON'];
      if (argProblems.length > 0) return fail(new ToolArgsError(uses, argProblems).message);

      const { ledger } = ctx;
      const callHash = sha256Hex(canonicalJson({ uses, config, args }));
      if (kind.deduplicate && ledger) {
        const done = await ledger.get(ctx.idempotencyKey);
        if (done) {
          if (done.callHash !== callHash) {
            return fail(`idempotency key ${ctx.idempotencyKey} was already used for a different ${done.uses} call; the caller must give each call its own key`);
          }
          return done.result;
        }
      }
      if (ctx.signal.aborted) throw new ToolCancelledError(uses);

      let output: Json;
      try {
        output = await kind.run(args, { ...ctx, config });
      } catch (err) {
        if (ctx.signal.aborted) throw new ToolCancelledError(uses);
        if (err instanceof ToolError) return fail(err.message);
        return fail(`${uses} failed: ${messageOf(err)}`);
      }
      if (!isJson(output)) return fail(`${uses} returned a value that is not JSON (a bug in the tool kind)`);
      const resultProblems = validateJson(kind.resultSchema, output);
      if (resultProblems.length > 0) return fail(`${uses} returned a result that does not match its result schema (a bug in the tool kind): ${resultProblems.join('; ')}`);

      const result: ToolRunResult = { ok: true, output, error: null };
      if (kind.effect !== 'read' && ledger) {
        await ledger.put(ctx.idempotencyKey, { key: ctx.idempotencyKey, uses, callHash, result, at: new Date().toISOString() });
      }
      return result;
    },
  };
}
