/**
 * Replay shared out over child processes (runtime/history.ts): the same
 * reports, in input order, as one in-process replay worker, and a divergence
 * still found and placed on its execution. The child is compiled code, so this
 * drives dist/runtime/history.js (built by `npm test`'s bootstrap).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as HistoryModule from '../../runtime/history';
import { disableStackTraceHook, readChildRequest, readExport, replayHistories as replayFromSources } from '../../runtime/history';
import { GlobalHandlers } from '@temporalio/worker/lib/workflow/vm-shared';
import { describeTemporal, testBundle } from '../helpers/temporal';

const ROOT = path.resolve(__dirname, '..', '..');
const DIR = path.join(ROOT, 'tests', 'histories');

function distHistory(): typeof HistoryModule {
  const file = path.join(ROOT, 'dist', 'runtime', 'history.js');
  if (!fs.existsSync(file) || !fs.existsSync(path.join(ROOT, 'dist', 'runtime', 'replay-child.js'))) throw new Error(`${file} or its replay-child.js is missing: build with npx tsc -p tsconfig.json`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file) as typeof HistoryModule;
}

function recorded(): HistoryModule.ReplayItem[] {
  return fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => readExport(JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')), f));
}

describeTemporal('replay over child processes', () => {
  test('two processes give the reports of one, in input order', async () => {
    const items = recorded();
    expect(items.length).toBeGreaterThan(3);
    const inProcess = await replayFromSources(items, testBundle(), { processes: 1 });
    const shared = await distHistory().replayHistories(items, testBundle(), { processes: 2 });
    expect(shared).toEqual(inProcess);
    expect(shared.map((r) => r.runId)).toEqual(items.map((i) => i.runId));
    expect(shared.filter((r) => !r.ok)).toEqual([]);
  }, 120_000);

  test('a divergence in one execution is reported on that execution', async () => {
    const items = recorded();
    const k = items.findIndex((i) => i.history.events?.some((e) => e.activityTaskScheduledEventAttributes?.activityType));
    const attrs = items[k]?.history.events?.find((e) => e.activityTaskScheduledEventAttributes?.activityType)?.activityTaskScheduledEventAttributes;
    if (!attrs?.activityType) throw new Error('no recorded history schedules an activity');
    attrs.activityType.name = 'somethingElse';
    const reports = await distHistory().replayHistories(items, testBundle(), { processes: 2 });
    expect(reports.map((r, i) => (r.ok ? null : i)).filter((i) => i !== null)).toEqual([k]);
    expect(reports[k]?.error).toMatch(/nondetermin|activity type|mismatch|somethingElse/i);
  }, 120_000);

  test("replay children switch off the SDK's stack-trace promise hook, and only that", () => {
    // Against the SDK's own class: if an SDK upgrade moves the hook, this fails instead of replay silently slowing down.
    const handlers = new GlobalHandlers();
    const prepare = Error.prepareStackTrace;
    expect(disableStackTraceHook(handlers)).toBe(true);
    try {
      handlers.install();
      expect(handlers.installed).toBe(true);
      expect(handlers.promiseHookInstalled).toBe(false);
      expect(Error.prepareStackTrace).not.toBe(prepare); // source-mapped stack traces stay on
    } finally {
      handlers.uninstall();
    }
    expect(Error.prepareStackTrace).toBe(prepare);
    expect(disableStackTraceHook(null)).toBe(false);
    expect(disableStackTraceHook({ installed: false })).toBe(false);
    const late = new GlobalHandlers();
    Reflect.set(late, 'installed', true);
    expect(disableStackTraceHook(late)).toBe(false); // too late to matter: left alone
  });

  test('a child refuses a malformed request with a message', () => {
    expect(() => readChildRequest(null)).toThrow(/malformed request/);
    expect(() => readChildRequest({ bundlePath: 'b', items: [{ workflowId: 'w', runId: 'r', bytes: 'not bytes' }] })).toThrow(/malformed item 0/);
  });
});
