/**
 * The shape of a tool kind: what the registry needs to offer a tool to a
 * model, validate its configuration and arguments, and run it.
 *
 * Built-in kinds live next to this file; users add kinds from their own
 * modules (see `user-modules.ts`). A definition only names a kind (`uses`)
 * and configures it within its schema: it never supplies code.
 */
import type { Json } from '../../dsl/ir';
import type { EffectLedger } from './ledger';

export type { Json };

/** A JSON Schema document (2020-12), as plain JSON. */
export type JSONSchema = { [key: string]: Json };

/** A tool instance's configuration (`with:` of a `tools:` entry). */
export type ToolConfig = { [key: string]: Json };

/**
 * What a tool may change:
 * - `read`: nothing (fs.read, fs.list, http.get);
 * - `write`: files of the run's workspace (fs.write);
 * - `external`: anything outside the worker's control (shell, http.post).
 */
export type ToolEffect = 'read' | 'write' | 'external';

export interface ToolContext {
  /** Absolute directory of the run; every file a tool touches is inside it. */
  workspace: string;
  config: ToolConfig;
  /** Unique per tool call (run + step + iterations + call index); keys the effect ledger. */
  idempotencyKey: string;
  signal: AbortSignal;
  /** Where effects are recorded; without it a tool call is at-least-once. */
  ledger?: EffectLedger;
  /**
   * How long another attempt's claim on this key may go unrefreshed before
   * this attempt takes it over (see `EffectLedger.acquire`); the activity
   * derives it from its heartbeat timeout. Default: the ledger's (60 s).
   */
  claimStaleMs?: number;
}

export interface ToolKind {
  /** The name definitions use: `fs.read`, `shell`, `acme.word-count`. */
  uses: string;
  /** Told to the model as the function's description. */
  description: string;
  /** Schema of the instance configuration (`with:`), checked when a run starts. */
  configSchema: JSONSchema;
  /** Schema of one call's arguments; may depend on the configuration (e.g. allowed commands). */
  argsSchema(config: ToolConfig): JSONSchema;
  /** Schema of the result; a result that does not match is reported as a tool error. */
  resultSchema: JSONSchema;
  effect: ToolEffect;
  /**
   * When true, the registry records the result in the effect ledger under the
   * call's idempotency key and answers a repeated call from the ledger instead
   * of running it again (fs.write, http.post). Default: false (at-least-once).
   */
  deduplicate?: boolean;
  /**
   * With `deduplicate`: applying the effect twice leaves the same state as
   * once (fs.write of known content). When an attempt died while applying
   * the effect, the next one applies it again only for such kinds; for the
   * others it answers that the outcome is unknown instead of risking a
   * second application. Default: false.
   */
  repeatable?: boolean;
  /** Checks the schema cannot express (allow-list syntax, durations). Returns error sentences. */
  checkConfig?(config: ToolConfig): string[];
  /** Extra text for the model's function description (e.g. the allowed commands). */
  describeConfig?(config: ToolConfig): string;
  /** Throws a `ToolError` for refusals and bad input; any other throw is reported as a failure too. */
  run(args: Json, ctx: ToolContext): Promise<Json>;
}

/** What `registry.run` answers. A failed call is data for the model, never a crash. */
export interface ToolRunResult {
  ok: boolean;
  output: Json;
  error: string | null;
}
