/**
 * API keys are named by `apiKeyEnv` and read from the environment at call
 * time (security rule 9). Whatever text leaves the pool (error messages,
 * status, logs) passes through `redact` first.
 */

/** Reads the key named by `apiKeyEnv`; undefined when unset or empty. */
export function readApiKey(env: NodeJS.ProcessEnv, apiKeyEnv: string | null): string | undefined {
  if (apiKeyEnv === null) return undefined;
  const v = env[apiKeyEnv];
  return v !== undefined && v !== '' ? v : undefined;
}

/** Replaces each secret value with `[redacted]`, and any bearer token whatever its value. */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) {
    // Very short values would redact ordinary words; real keys are long.
    if (s.length >= 6) out = out.split(s).join('[redacted]');
  }
  return out.replace(/(Bearer\s+)[^\s"',;]+/gi, '$1[redacted]');
}

/** Redacts an error's message and stack in place (they are what reaches logs and history). */
export function redactError<E extends Error>(err: E, secrets: Iterable<string>): E {
  const list = [...secrets];
  err.message = redact(err.message, list);
  if (err.stack !== undefined) err.stack = redact(err.stack, list);
  return err;
}
