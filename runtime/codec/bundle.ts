/**
 * The workflow bundle of encrypted deployments. Workflow code turns its own
 * errors into failures inside the sandbox, with the failure converter that
 * was compiled into the bundle; a bundle built without ours would leave the
 * run's error text in plain sight. So encrypted workers need a bundle built
 * with `failureConverterPath`: `node dist/runtime/codec/bundle.js OUT`.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { WORKFLOWS_ENTRY } from '../bundle';
import { projectRoot } from '../root';
import { FAILURE_CONVERTER_PATH } from './data-converter';

export const ENCRYPTED_BUNDLE_FILE = 'workflow-bundle-encrypted.js';

/** dist/workflow-bundle-encrypted.js when it was built, else null. */
export function defaultEncryptedBundlePath(): string | null {
  const p = path.join(projectRoot(), 'dist', ENCRYPTED_BUNDLE_FILE);
  return existsSync(p) ? p : null;
}

export async function writeEncryptedWorkflowBundle(out: string): Promise<void> {
  const noop = (): void => undefined;
  const logger = { trace: noop, debug: noop, info: noop, log: noop, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, failureConverterPath: FAILURE_CONVERTER_PATH, logger });
  await fs.mkdir(path.dirname(out), { recursive: true });
  await fs.writeFile(out, code);
}

if (require.main === module) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node dist/runtime/codec/bundle.js OUT');
    process.exit(2);
  }
  writeEncryptedWorkflowBundle(out).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
