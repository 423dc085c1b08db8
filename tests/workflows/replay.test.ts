/**
 * Recorded histories of real runs of every example replay against the
 * current workflow code (Worker.runReplayHistories); an altered history must
 * fail, which proves the check can fail. Record new ones with
 * `npm run record-histories` after a deliberate, patched() change.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readExport, replayHistories } from '../../runtime/history';
import { describeTemporal, testBundle } from '../helpers/temporal';

const DIR = path.resolve(__dirname, '..', 'histories');
const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort() : [];

function load(file: string) {
  return readExport(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')), file);
}

describeTemporal('recorded histories', () => {
  test('one recording per example, at least', () => {
    const examples = fs.readdirSync(path.resolve(__dirname, '..', '..', 'examples')).filter((f) => f.endsWith('.swarm.yaml'));
    const recorded = new Set(files.map((f) => f.replace(/\.json$/, '')));
    expect(examples.map((e) => e.replace(/\.swarm\.yaml$/, '')).filter((e) => !recorded.has(e))).toEqual([]);
  });

  test.each(files)('%s replays identically', async (file) => {
    const items = load(file);
    expect(items.length).toBeGreaterThan(0);
    const reports = await replayHistories(items, testBundle());
    expect(reports.filter((r) => !r.ok)).toEqual([]);
    expect(reports).toHaveLength(items.length);
  });

  test('an altered history diverges', async () => {
    const file = files.find((f) => f.startsWith('hello'));
    if (!file) throw new Error('no hello recording in tests/histories');
    const [item] = load(file);
    if (!item) throw new Error('empty recording');
    // Rename the first scheduled activity: the workflow code schedules llmStep, so replay must object.
    const ev = item.history.events?.find((e) => e.activityTaskScheduledEventAttributes);
    const attrs = ev?.activityTaskScheduledEventAttributes;
    if (!attrs?.activityType) throw new Error('the hello history has no scheduled activity');
    attrs.activityType.name = 'somethingElse';
    const reports = await replayHistories([item], testBundle());
    expect(reports[0]?.ok).toBe(false);
    expect(reports[0]?.error).toMatch(/nondetermin|activity type|mismatch|somethingElse/i);
  });
});
