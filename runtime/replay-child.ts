/**
 * A replay child process (forked by runtime/history.ts replayHistories): gets
 * its share of a run's executions as protobuf bytes, replays them with the
 * SDK's replay worker and answers with one report per execution.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { globalHandlers } from '@temporalio/worker/lib/workflow/vm-shared';
import { disableStackTraceHook, readChildRequest, replayInProcess } from './history';

// The SDK's INFO lines (worker state changes) would clutter the parent's output.
Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });

// This process only replays: no stack-trace hook (see disableStackTraceHook).
disableStackTraceHook(globalHandlers);

process.once('message', (msg: unknown) => {
  void (async () => {
    try {
      const { bundlePath, items } = readChildRequest(msg);
      const reports = await replayInProcess(items, bundlePath);
      process.send?.({ reports }, () => process.disconnect());
    } catch (err) {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    }
  })();
});
