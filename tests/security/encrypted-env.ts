/**
 * A swarm environment with payload encryption on: workers and a client
 * built with the codec's data converter, the workflow bundle compiled with
 * the encoding failure converter, and a second client WITHOUT the codec that
 * reads raw histories the way someone with access to Temporal's database
 * (or its UI, without the codec server) would.
 *
 * It runs on its own Temporal dev server: the shared one's task queues are
 * polled by every other test file's workers, which have no codec (they would
 * pick up encrypted tasks and fail them, and ours would encrypt theirs).
 *
 * Needs the wiring in runtime/worker.ts (`WorkerSetOptions.dataConverter`)
 * and runtime/runs.ts (`connectClient(settings, { dataConverter })`); until
 * then `assertEncryptedAtRest` fails and says so.
 */
import { AGENT_LEASE_PATCH, CHARGE_UNREPORTED_PATCH, FAIR_BUDGET_PATCH } from '../../workflows/budget';
import { INFRA_RETRY_PATCH } from '../../workflows/retry';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeEncryptedWorkflowBundle } from '../../runtime/codec/bundle';
import type { Settings } from '../../runtime/config';
import { connectClient, startRun, waitForRun, type RunOutcome, type StartedRun } from '../../runtime/runs';
import { buildWorkerServices, type WorkerServices } from '../../runtime/services';
import { startWorkers, type WorkerSet, type WorkerSetOptions } from '../../runtime/worker';
import type { Json } from '../../dsl/ir';
import { startSimServer, type SimOptions, type SimServer } from '../../sim/server';
import { startDevServer, type DevServer } from '../../runtime/dev-server';
import { compileOrThrow } from '../helpers/swarm-env';
import { historyText } from '../helpers/history-text';
import { testBundle, testSettings } from '../helpers/temporal';

/** The options the wiring adds; declared here so this file type-checks before and after it lands. */
export type WorkerSetOptionsWithCodec = WorkerSetOptions & { dataConverter?: DataConverter };
export const connectWithCodec: (settings: Pick<Settings, 'temporalAddress' | 'namespace'>, o: { dataConverter?: DataConverter }) => Promise<Client> = connectClient;

let bundle: Promise<string> | null = null;

/** The workflow bundle with the encoding failure converter, built once per test file. */
export function encryptedBundle(): Promise<string> {
  bundle ??= (async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'swarmflow-enc-bundle-')), 'workflow-bundle-encrypted.js');
    await writeEncryptedWorkflowBundle(out);
    return out;
  })();
  return bundle;
}

/**
 * A Temporal dev server of this test file alone (in memory, free ports), for
 * workers that must not share task queues with the other test files.
 */
export async function ownTemporal(): Promise<DevServer> {
  return startDevServer({ ui: false });
}

export interface EncryptedEnv {
  temporal: DevServer;
  sim: SimServer;
  settings: Settings;
  services: WorkerServices;
  workers: WorkerSet;
  /** Has the codec: reads results. */
  client: Client;
  /** Has no codec: what the server stores. */
  raw: Client;
  start(yaml: string, input?: Json): Promise<StartedRun>;
  run(yaml: string, input?: Json): Promise<RunOutcome & { id: string }>;
  close(): Promise<void>;
}

/** Workers, clients and a simulated model on a dev server of their own; without `dataConverter`, a plain (unencrypted) environment. */
export async function startEncryptedEnv(o: { dataConverter?: DataConverter; sim?: SimOptions; settings?: Partial<Settings> }): Promise<EncryptedEnv> {
  const temporal = await ownTemporal();
  const sim = await startSimServer({ seed: 5, ...o.sim });
  const settings = testSettings({ simUrl: sim.url, temporalAddress: temporal.address, namespace: temporal.namespace, ...o.settings });
  const services = await buildWorkerServices(settings);
  const options: WorkerSetOptionsWithCodec = {
    settings,
    bundlePath: o.dataConverter ? await encryptedBundle() : testBundle(),
    dataConverter: o.dataConverter,
    inference: { pools: services.poolSlots, chat: services.chat },
    tools: services.tools,
    skills: services.skills,
    resolver: services.resolver,
  };
  const workers = await startWorkers(options);
  const client = await connectWithCodec(settings, o.dataConverter ? { dataConverter: o.dataConverter } : {});
  const raw = new Client({ connection: await Connection.connect({ address: settings.temporalAddress }), namespace: settings.namespace });
  return {
    temporal,
    sim,
    settings,
    services,
    workers,
    client,
    raw,
    start: (yaml, input = {}) => startRun(client, { ir: compileOrThrow(yaml), input }),
    async run(yaml, input = {}) {
      const started = await startRun(client, { ir: compileOrThrow(yaml), input });
      return { ...(await waitForRun(started.handle)), id: started.id };
    },
    async close() {
      await workers.shutdown();
      await services.close();
      await client.connection.close();
      await raw.connection.close();
      await sim.close();
      await temporal.stop();
    },
  };
}

/**
 * Every execution of a run as the server stores it, payloads undecoded: the
 * root's continue-as-new chain and every child (agents, child swarms).
 */
export async function rawRunHistories(raw: Client, workflowId: string): Promise<History[]> {
  const out: History[] = [];
  const queue: { workflowId: string; runId?: string }[] = [{ workflowId }];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const next = queue.shift();
    if (!next) break;
    const key = `${next.workflowId}#${next.runId ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const history = await raw.workflow.getHandle(next.workflowId, next.runId).fetchHistory();
    out.push(history);
    for (const e of history.events ?? []) {
      const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
      if (child?.workflowId) queue.push({ workflowId: child.workflowId, runId: child.runId ?? undefined });
    }
  }
  return out;
}

/** All text of a run's stored histories (payload bytes read as UTF-8), for "is this string anywhere" checks. */
export async function rawRunText(raw: Client, workflowId: string): Promise<string> {
  return (await rawRunHistories(raw, workflowId)).map(historyText).join('\n');
}

/** Every payload of the stored histories (found anywhere in the events). */
export function payloadsOf(histories: History[]): { metadata: Record<string, string>; where: string; data: string }[] {
  const out: { metadata: Record<string, string>; where: string; data: string }[] = [];
  const walk = (v: unknown, where: string, depth: number): void => {
    if (depth > 40 || v === null || typeof v !== 'object' || v instanceof Uint8Array) return;
    if (Array.isArray(v)) return v.forEach((x) => walk(x, where, depth + 1));
    const entries = Object.entries(v);
    const meta = entries.find(([k]) => k === 'metadata')?.[1];
    if (meta && typeof meta === 'object' && entries.some(([k]) => k === 'data')) {
      const data = entries.find(([k]) => k === 'data')?.[1];
      out.push({ where, data: data instanceof Uint8Array ? Buffer.from(data).toString('utf8') : String(data), metadata: Object.fromEntries(Object.entries(meta).map(([k, b]) => [k, b instanceof Uint8Array ? Buffer.from(b).toString('utf8') : String(b)])) });
      return;
    }
    for (const [k, x] of entries) walk(x, where === '' ? k : `${where}.${k}`, depth + 1);
  };
  for (const h of histories) for (const e of h.events ?? []) walk(e, '', 0);
  return out;
}

/** Our `patched()` ids, the only thing a patch marker holds. */
const PATCH_IDS: ReadonlySet<string> = new Set([FAIR_BUDGET_PATCH, INFRA_RETRY_PATCH, CHARGE_UNREPORTED_PATCH, AGENT_LEASE_PATCH]);

/**
 * A `patched()` marker: the SDK's core writes its details (the patch id) as a
 * plain payload, outside the data converter. It names a code version, never
 * run content, so it is exempt only when its data is exactly one of our ids.
 */
function isPatchMarker(p: { where: string; data: string }): boolean {
  if (!p.where.startsWith('markerRecordedEventAttributes.details.patch-data')) return false;
  let v: unknown;
  try {
    v = JSON.parse(p.data);
  } catch {
    return false;
  }
  if (typeof v !== 'object' || v === null) return false;
  const { id, ...rest } = v as { id?: unknown };
  return typeof id === 'string' && PATCH_IDS.has(id) && Object.keys(rest).every((k) => k === 'deprecated');
}

/**
 * Fails with a clear message when payloads of the run are stored in plain
 * form: either the wiring is missing or the codec is not applied somewhere.
 * Search attributes are plain by Temporal's design (they are indexed) and are
 * not checked here.
 */
export async function assertEncryptedAtRest(raw: Client, workflowId: string): Promise<void> {
  const histories = await rawRunHistories(raw, workflowId);
  const plain = payloadsOf(histories).filter((p) => !/searchAttributes/i.test(p.where) && !isPatchMarker(p) && p.metadata.encoding !== 'binary/encrypted');
  if (plain.length > 0) {
    throw new Error(
      `${plain.length} payload(s) of ${workflowId} are stored unencrypted (first: ${plain[0]?.where} with encoding ${plain[0]?.metadata.encoding ?? 'none'}): ` +
        'are WorkerSetOptions.dataConverter (runtime/worker.ts) and connectClient(settings, { dataConverter }) (runtime/runs.ts) wired?',
    );
  }
}
