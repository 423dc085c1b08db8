import * as wf from '@temporalio/workflow';
import type { SwarmActivities } from '../activities/registry';

/** Schedules an activity by name with per-call options (summary, task queue), typed by the activity registry. */
export function act<K extends keyof SwarmActivities>(name: K, args: Parameters<SwarmActivities[K]>, options: wf.ActivityOptions): ReturnType<SwarmActivities[K]> {
  return wf.scheduleActivity(name, args, options) as ReturnType<SwarmActivities[K]>;
}
