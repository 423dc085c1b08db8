/**
 * When a disturbed run differs from its calm twin, the test says why in
 * terms of history: for a differing sub-agent, every activity it scheduled,
 * how many attempts it took and how each failed attempt ended.
 */
import type { Client } from '@temporalio/client';

interface Act {
  type: string;
  summary: string;
  failures: string[];
  outcome: string;
}

function failureText(f: { message?: string | null; cause?: { message?: string | null } | null } | null | undefined): string {
  if (!f) return '';
  return [f.message, f.cause?.message].filter(Boolean).join(': ');
}

function payloadText(data: Uint8Array | null | undefined): string {
  if (!data) return '';
  const t = Buffer.from(data).toString('utf8');
  return t.length > 300 ? `${t.slice(0, 300)}...` : t;
}

/** Activity by activity: type, attempts, failures, outcome, for one workflow execution chain's latest run. */
export async function activityStory(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const byScheduled = new Map<string, Act>();
  const lines: string[] = [];
  for (const e of history.events ?? []) {
    const id = String(e.eventId ?? '');
    if (e.activityTaskScheduledEventAttributes) {
      const a = e.activityTaskScheduledEventAttributes;
      byScheduled.set(id, { type: a.activityType?.name ?? '?', summary: '', failures: [], outcome: 'pending' });
    }
    const done = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
    if (done) {
      const act = byScheduled.get(String(done.scheduledEventId ?? ''));
      if (!act) continue;
      if (e.activityTaskCompletedEventAttributes) act.outcome = `completed ${payloadText(e.activityTaskCompletedEventAttributes.result?.payloads?.[0]?.data)}`;
      if (e.activityTaskFailedEventAttributes) act.outcome = `failed: ${failureText(e.activityTaskFailedEventAttributes.failure)}`;
      if (e.activityTaskTimedOutEventAttributes) act.outcome = `timed out: ${failureText(e.activityTaskTimedOutEventAttributes.failure)}`;
    }
    if (e.activityTaskStartedEventAttributes) {
      const s = e.activityTaskStartedEventAttributes;
      const act = byScheduled.get(String(s.scheduledEventId ?? ''));
      if (act && (s.attempt ?? 1) > 1) act.failures.push(`attempt ${s.attempt}${s.lastFailure ? ` after: ${failureText(s.lastFailure)}` : ''}`);
    }
  }
  for (const [id, a] of byScheduled) lines.push(`    event ${id} ${a.type}: ${a.outcome}${a.failures.length ? ` (${a.failures.join('; ')})` : ''}`);
  return lines;
}

/** For differences at `[N]` of a fan-out's output: the story of sub-agent N (`<run>/work.fN`). */
export async function explainDifference(client: Client, runId: string, calmClient: Client, calmRunId: string, differences: string[]): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const d of differences) {
    const m = /\[(\d+)\]/.exec(d);
    if (!m) continue;
    const child = `${runId}/work.f${m[1]}`;
    if (seen.has(child)) continue;
    seen.add(child);
    const twin = `${calmRunId}/work.f${m[1]}`;
    try {
      out.push(`  sub-agent ${child}:`, ...(await activityStory(client, child)));
      out.push(`  its calm twin ${twin}:`, ...(await activityStory(calmClient, twin)));
    } catch (err) {
      out.push(`  (no history for ${child}: ${err instanceof Error ? err.message : String(err)})`);
    }
  }
  return out;
}
