/**
 * Bundles the workflow code once (webpack, through the SDK) so workers start
 * without bundling: `node dist/runtime/bundle.js OUT`. The bundler refuses
 * imports of Node built-ins and of activity code in `workflows/`.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from './root';

export const WORKFLOWS_ENTRY = path.join(projectRoot(), 'workflows', 'index.ts');

export async function writeWorkflowBundle(out: string): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: quietLogger });
  await fs.mkdir(path.dirname(out), { recursive: true });
  await fs.writeFile(out, code);
}

const noop = (): void => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, log: noop, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };

if (require.main === module) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node dist/runtime/bundle.js OUT');
    process.exit(2);
  }
  writeWorkflowBundle(out).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
