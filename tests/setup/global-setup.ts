/**
 * Starts one Temporal dev server (in memory, on free ports) for the whole
 * test run and bundles the workflow code once; tests read both from the
 * environment. `SWARMFLOW_TEST_NO_TEMPORAL=1` skips both (unit tests only).
 */
import * as path from 'node:path';
import { startDevServer, type DevServer } from '../../runtime/dev-server';
import { writeWorkflowBundle } from '../../runtime/bundle';
import { TEST_NAMESPACES } from '../helpers/namespaces';

declare global {
  // eslint-disable-next-line no-var
  var __swarmflowDevServer: DevServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  // Expected failures (tests of error paths) would fill the output with the SDK's warnings.
  process.env.SWARMFLOW_LOG_LEVEL ??= 'ERROR';
  if (process.env.SWARMFLOW_TEST_NO_TEMPORAL) return;
  const artifacts = path.resolve(__dirname, '..', 'artifacts');
  const bundle = path.join(artifacts, 'workflow-bundle.js');
  const [server] = await Promise.all([startDevServer({ ui: false, logFile: path.join(artifacts, 'temporal.log'), extraNamespaces: TEST_NAMESPACES }), writeWorkflowBundle(bundle)]);
  globalThis.__swarmflowDevServer = server;
  process.env.SWARMFLOW_TEST_TEMPORAL = server.address;
  process.env.SWARMFLOW_TEST_BUNDLE = bundle;
}
