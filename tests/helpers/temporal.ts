/**
 * What tests need to run swarms on the shared dev server: settings with a
 * throw-away data directory, workers wired to a real pool, and a client.
 */
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { settingsFromEnv, type Settings } from '../../runtime/config';
import { connectClient } from '../../runtime/runs';
import { testNamespace } from './namespaces';

export function hasTemporal(): boolean {
  return Boolean(process.env.SWARMFLOW_TEST_TEMPORAL);
}

/** `describe` when the shared dev server is up, else `describe.skip` (unit-only runs). */
export const describeTemporal: jest.Describe = (hasTemporal() ? describe : describe.skip) as jest.Describe;

export function testSettings(overrides: Partial<Settings> = {}): Settings {
  const address = process.env.SWARMFLOW_TEST_TEMPORAL;
  if (!address) throw new Error('no Temporal dev server: run the tests through jest with its global set-up');
  return settingsFromEnv({}, { temporalAddress: address, namespace: testNamespace(), home: mkdtempSync(path.join(os.tmpdir(), 'swarmflow-test-')), ...overrides });
}

export function testBundle(): string {
  const b = process.env.SWARMFLOW_TEST_BUNDLE;
  if (!b) throw new Error('no workflow bundle: run the tests through jest with its global set-up');
  return b;
}

export async function testClient(settings: Settings): Promise<Client> {
  return connectClient(settings);
}
