/**
 * An API app for tests: the in-memory store, the real DSL, keys with each
 * scope, and (unless a test gives one) a Temporal that is not there, so
 * routes that need it answer 503.
 */
import type { Client } from '@temporalio/client';
import type { Application } from 'express';
import { createApp, type AppDeps } from '../../server/app';
import { parseKeyEntries, type AuthConfig } from '../../server/auth';
import type { ApiLimits } from '../../server/context';
import { dslCompiler } from '../../server/start';
import { memoryStore } from '../../server/store/memory';
import type { ApiStore } from '../../server/store/types';

export const KEYS = {
  read: 'read-key-0123456789abcdef',
  run: 'run-key-0123456789abcdef',
  readRun: 'readrun-key-0123456789abcdef',
  admin: 'admin-key-0123456789abcdef',
} as const;

export const testAuth = (): AuthConfig => ({
  keys: parseKeyEntries(`reader:read:${KEYS.read}, runner:run:${KEYS.run}, ci:read+run:${KEYS.readRun}, ops:admin:${KEYS.admin}`),
});

export const bearer = (k: string): [string, string] => ['Authorization', `Bearer ${k}`];

export interface TestApp {
  app: Application;
  store: ApiStore;
  logs: string[];
}

export function testApp(o: { auth?: AuthConfig; limits?: Partial<ApiLimits>; temporal?: () => Promise<Client> | Client; store?: ApiStore; extra?: Partial<AppDeps> } = {}): TestApp {
  const store = o.store ?? memoryStore();
  const logs: string[] = [];
  const app = createApp({
    temporal:
      o.temporal ??
      (() => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:1');
      }),
    store,
    auth: o.auth ?? testAuth(),
    compiler: dslCompiler,
    limits: o.limits,
    log: (l) => logs.push(l),
    ...o.extra,
  });
  return { app, store, logs };
}

export const HELLO = `# The smallest useful swarm: one model call.
swarm: hello
version: 1
inputs:
  type: object
  properties:
    name: { type: string }
  required: [name]
models:
  default: { pool: default, model: kimi-k2.6 }
steps:
  - id: greet
    llm: default
    prompt: Write a one-line greeting for \${{ inputs.name }}.
output: \${{ steps.greet.output }}
`;

export const helloV = (version: number, prompt = 'Write a one-line greeting for'): string => HELLO.replace('version: 1', `version: ${version}`).replace('Write a one-line greeting for', prompt);

/** Line 13 uses an undefined model: one located diagnostic. */
export const HELLO_BAD = HELLO.replace('llm: default', 'llm: nope');

/** Waits for a signal between two steps: runs that stay open until told. */
export const APPROVAL = `swarm: approval
version: 1
steps:
  - id: draft
    set: { text: "a draft" }
  - id: approve
    waitFor: { signal: approve, timeout: 5m }
  - id: done
    set:
      approved: \${{ steps.approve.output }}
output: \${{ steps.done.output }}
`;
