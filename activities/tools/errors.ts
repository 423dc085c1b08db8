/**
 * Errors a tool call can end with. They are reported to the model (or to the
 * tool step) as `{ ok: false, error }`; their messages say what was refused
 * and what would be accepted, and never include secrets.
 */

/** Base class: thrown by a tool kind for anything the caller can fix. */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

/** Thrown when a call asks for something the tool's limits forbid (path outside the workspace, command not allowed, URL off the list). */
export class ToolRefusedError extends ToolError {
  constructor(message: string) {
    super(message);
    this.name = 'ToolRefusedError';
  }
}

/** Thrown when the arguments do not match the tool's argument schema. */
export class ToolArgsError extends ToolError {
  constructor(
    public readonly tool: string,
    public readonly problems: string[],
  ) {
    super(`arguments of ${tool} are invalid: ${problems.join('; ')}`);
    this.name = 'ToolArgsError';
  }
}

/** Thrown when a tool instance's configuration is invalid (caught when a run starts). */
export class ToolConfigError extends Error {
  constructor(
    public readonly uses: string,
    public readonly problems: string[],
  ) {
    super(`configuration of ${uses} is invalid: ${problems.join('; ')}`);
    this.name = 'ToolConfigError';
  }
}

/** Thrown when a definition or a call names a tool kind the worker does not have. */
export class UnknownToolKindError extends Error {
  constructor(
    public readonly uses: string,
    known: string[],
  ) {
    super(`tool kind "${uses}" is not registered on this worker (registered: ${known.join(', ')}); add it with a tool module in the worker configuration`);
    this.name = 'UnknownToolKindError';
  }
}

/** Thrown when a user tool module does not export valid tool kinds. */
export class ToolModuleError extends Error {
  constructor(
    public readonly modulePath: string,
    detail: string,
  ) {
    super(`tool module ${modulePath}: ${detail}`);
    this.name = 'ToolModuleError';
  }
}

/**
 * The `code` of a Node system error (ENOENT, ELOOP...). Checked structurally:
 * errors from Node's own realm fail `instanceof Error` inside sandboxes such
 * as Jest's, and the code is all that matters.
 */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

/** The message of anything thrown, without assuming it is an Error of this realm. */
export function messageOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string') return err.message;
  return String(err);
}
