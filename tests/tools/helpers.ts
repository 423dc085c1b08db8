/** Shared set-up of the tool tests: a fresh workspace per test and a call context. */
import { mkdtempSync, realpathSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { EffectLedger } from '../../activities/tools/ledger';
import { createToolRegistry, type ToolRegistryOptions } from '../../activities/tools/registry';
import type { Json, ToolConfig, ToolRunResult } from '../../activities/tools/types';

export function tempDir(prefix: string): string {
  return realpathSync(mkdtempSync(path.join(tmpdir(), `swarmflow-${prefix}-`)));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

let counter = 0;

/** Runs one call through a registry, with a fresh idempotency key unless one is given. */
export function runner(workspace: string, opts: ToolRegistryOptions = {}) {
  const registry = createToolRegistry(opts);
  return {
    registry,
    run(uses: string, config: ToolConfig, args: Json, extra: { key?: string; ledger?: EffectLedger; signal?: AbortSignal } = {}): Promise<ToolRunResult> {
      counter += 1;
      return registry.run(uses, config, args, {
        workspace,
        idempotencyKey: extra.key ?? `test/run/step#${counter}`,
        signal: extra.signal ?? new AbortController().signal,
        ...(extra.ledger ? { ledger: extra.ledger } : {}),
      });
    },
  };
}

/** The output of a successful call as an object; fails the test with the error otherwise. */
export function okObject(r: ToolRunResult): { [key: string]: Json } {
  if (!r.ok) throw new Error(`expected success, got error: ${r.error}`);
  const o = r.output;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error(`expected an object output, got ${JSON.stringify(o)}`);
  return o;
}

/** Asserts the call failed and returns its error text. */
export function errorOf(r: ToolRunResult): string {
  if (r.ok) throw new Error(`expected a refusal, got success: ${JSON.stringify(r.output).slice(0, 300)}`);
  expect(r.output).toBeNull();
  return r.error ?? '';
}
