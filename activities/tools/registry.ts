/**
 * The tool registry: the kinds a worker can run (built-ins plus the user's
 * modules), their schemas, and the one `run` path every tool call takes:
 * validate arguments, answer from the effect ledger when the call already
 * happened (or claim the call there, waiting while another attempt holds
 * it), run, validate the result, record the effect.
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
import { LedgerWaitCancelledError, type Acquired, type EffectRecord } from './ledger';
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
      // The call's hash only keys ledger records: a read (effect 'read') never touches the ledger, so it is
      // computed only on the paths that write one (canonical JSON + sha256 per call was a read's largest cost).
      const hashOf = (): string => sha256Hex(canonicalJson({ uses, config, args }));
      const record = (result: ToolRunResult, callHash: string): EffectRecord => ({ key: ctx.idempotencyKey, uses, callHash, result, at: new Date().toISOString() });
      if (!kind.deduplicate || !ledger) {
        // Reads, and effects applied at least once (shell): no claim; effects are still logged.
        if (ctx.signal.aborted) throw new ToolCancelledError(uses);
        const result = await apply(kind, uses, args, config, ctx);
        if (result.cancelled) throw new ToolCancelledError(uses);
        if (result.applied && kind.effect !== 'read' && ledger) await ledger.put(ctx.idempotencyKey, record(result.result, hashOf()));
        return result.result;
      }
      const callHash = hashOf();

      // Deduplicated: the recorded result, or a claim held while the effect is applied (atomic: a
      // second attempt running at the same time waits for this one's record instead of applying).
      let acquired: Acquired;
      try {
        acquired = await ledger.acquire(ctx.idempotencyKey, callHash, { signal: ctx.signal, ...(ctx.claimStaleMs !== undefined ? { staleMs: ctx.claimStaleMs } : {}) });
      } catch (err) {
        if (err instanceof LedgerWaitCancelledError) throw new ToolCancelledError(uses);
        throw err;
      }
      if (acquired.done) return answerFrom(acquired.done, callHash, ctx.idempotencyKey);
      const { claim } = acquired;
      let ended = false;
      try {
        if (claim.takeover && !kind.repeatable) {
          // The previous attempt died while it held the claim: it may have applied the effect or not,
          // and this kind cannot tell nor safely repeat it. Say so, once, for every later attempt too.
          const from = claim.takeover.from;
          const who = from ? `pid ${from.pid} on ${from.host}, claimed at ${from.at}` : 'an unreadable claim';
          const unknown = fail(
            `outcome unknown: an earlier attempt of this ${uses} call (${who}) stopped before recording its result (${claim.takeover.reason}), so it may or may not have taken effect; it is not repeated. Check the target, then make a new call if needed`,
          );
          ended = true;
          return answerFrom(await claim.commit(record(unknown, callHash), { applied: false }), callHash, ctx.idempotencyKey);
        }
        if (ctx.signal.aborted) {
          ended = true;
          await claim.release();
          throw new ToolCancelledError(uses);
        }
        // An effect that cannot be repeated is not cancelled once begun: cut off part-way, its outcome
        // would be unknown to every later attempt; let it finish (within the kind's own timeout) and
        // record it. (The activity is cancelled when the run is, or when Temporal gave the attempt up
        // after a late heartbeat, and then another attempt is waiting for this record.)
        const result = await apply(kind, uses, args, config, kind.repeatable ? ctx : { ...ctx, signal: new AbortController().signal });
        ended = true;
        if (result.cancelled) {
          // A repeatable effect cut off part-way is simply redone by the next attempt.
          await claim.release();
          throw new ToolCancelledError(uses);
        }
        if (!result.applied) {
          // The kind refused or failed: no effect recorded, a later attempt runs it again.
          await claim.release();
          return result.result;
        }
        return answerFrom(await claim.commit(record(result.result, callHash)), callHash, ctx.idempotencyKey);
      } finally {
        // An unexpected throw (the ledger's disk): never leave a live claim behind for others to wait on.
        if (!ended) await claim.release().catch(() => undefined);
      }
    },
  };
}

/**
 * Runs the kind and checks its answer. `applied`: the kind returned, so its
 * effect happened (even when the answer breaks the result schema);
 * `cancelled`: it threw after the call's signal was aborted.
 */
async function apply(kind: ToolKind, uses: string, args: Json, config: ToolConfig, ctx: Omit<ToolContext, 'config'>): Promise<{ result: ToolRunResult; applied: boolean; cancelled: boolean }> {
  let output: Json;
  try {
    output = await kind.run(args, { ...ctx, config });
  } catch (err) {
    if (ctx.signal.aborted) return { result: fail(`${uses} was cancelled`), applied: false, cancelled: true };
    if (err instanceof ToolError) return { result: fail(err.message), applied: false, cancelled: false };
    return { result: fail(`${uses} failed: ${messageOf(err)}`), applied: false, cancelled: false };
  }
  if (!isJson(output)) return { result: fail(`${uses} returned a value that is not JSON (a bug in the tool kind)`), applied: true, cancelled: false };
  const resultProblems = validateJson(kind.resultSchema, output);
  if (resultProblems.length > 0) return { result: fail(`${uses} returned a result that does not match its result schema (a bug in the tool kind): ${resultProblems.join('; ')}`), applied: true, cancelled: false };
  return { result: { ok: true, output, error: null }, applied: true, cancelled: false };
}

/** A recorded result, unless the key was recorded for a different call. */
function answerFrom(done: EffectRecord, callHash: string, key: string): ToolRunResult {
  if (done.callHash !== callHash) return fail(`idempotency key ${key} was already used for a different ${done.uses} call; the caller must give each call its own key`);
  return done.result;
}
