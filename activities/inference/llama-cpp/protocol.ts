/**
 * Messages between the backend and its model host process (`host.mjs`),
 * over Node's IPC channel (JSON). Messages from the host are checked field by
 * field before use: the host is our code, but it runs native code that can
 * fail in ways we did not foresee.
 */
import type { GpuSetting } from './options';

/** node-llama-cpp's chat history items (types.d.ts `ChatHistoryItem`), as plain JSON. */
export type HistoryItem =
  | { type: 'system'; text: string }
  | { type: 'user'; text: string }
  | { type: 'model'; response: ModelResponsePart[] };
export type ModelResponsePart =
  | string
  | { type: 'functionCall'; name: string; params: unknown; result: unknown }
  | { type: 'segment'; segmentType: 'thought'; text: string; ended: true };

export interface HostFunction {
  description: string;
  params: Record<string, unknown>;
}

export interface LoadMessage {
  t: 'load';
  /** Absolute path of node-llama-cpp's ESM entry. */
  entry: string;
  modelPath: string;
  contextSize: number | null;
  threads: number | null;
  sequences: number;
  gpu: GpuSetting;
  gpuLayers: number | 'auto' | 'max' | null;
  batchSize: number | null;
  flashAttention: boolean | null;
  defaultContextSize: number;
}

export interface ChatMessageToHost {
  t: 'chat';
  id: number;
  history: HistoryItem[];
  functions: Record<string, HostFunction> | null;
  schema: Record<string, unknown> | null;
  maxTokens: number | null;
  temperature: number;
  seed: number | null;
  thinking: boolean | null;
}

export type ToHost = LoadMessage | ChatMessageToHost | { t: 'abort'; id: number } | { t: 'shutdown' };

export interface HostInfo {
  contextSize: number;
  trainContextSize: number;
  sequences: number;
  threads: number;
  gpu: string;
  chatWrapper: string;
  loadMs: number;
}

export type FailureKind = 'overflow' | 'aborted' | 'bad_request' | 'engine';

export interface DoneMessage {
  t: 'done';
  id: number;
  text: string;
  reasoning: string | null;
  calls: { name: string; params: unknown }[];
  stopReason: string;
  promptTokens: number;
  completionTokens: number;
  /** Milliseconds from the host receiving the call to its first token and to its end. */
  firstTokenMs: number | null;
  totalMs: number;
}

export type FromHost =
  | { t: 'ready'; info: HostInfo }
  | { t: 'load-failed'; message: string }
  | { t: 'progress'; id: number; completionTokens: number }
  | DoneMessage
  | { t: 'failed'; id: number; kind: FailureKind; message: string };

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

const KINDS: readonly FailureKind[] = ['overflow', 'aborted', 'bad_request', 'engine'];

function parseInfo(v: unknown): HostInfo | null {
  if (!isObj(v)) return null;
  const { contextSize, trainContextSize, sequences, threads, gpu, chatWrapper, loadMs } = v;
  if (!num(contextSize) || !num(trainContextSize) || !num(sequences) || !num(threads) || !num(loadMs)) return null;
  if (typeof gpu !== 'string' || typeof chatWrapper !== 'string') return null;
  return { contextSize, trainContextSize, sequences, threads, gpu, chatWrapper, loadMs };
}

/** A message from the host, or null when it is malformed. */
export function parseFromHost(v: unknown): FromHost | null {
  if (!isObj(v)) return null;
  switch (v.t) {
    case 'ready': {
      const info = parseInfo(v.info);
      return info === null ? null : { t: 'ready', info };
    }
    case 'load-failed':
      return typeof v.message === 'string' ? { t: 'load-failed', message: v.message } : null;
    case 'progress':
      return num(v.id) && num(v.completionTokens) ? { t: 'progress', id: v.id, completionTokens: v.completionTokens } : null;
    case 'failed': {
      const kind = KINDS.find((k) => k === v.kind);
      return num(v.id) && kind !== undefined && typeof v.message === 'string' ? { t: 'failed', id: v.id, kind, message: v.message } : null;
    }
    case 'done': {
      const { id, text, reasoning, calls, stopReason, promptTokens, completionTokens, firstTokenMs, totalMs } = v;
      if (!num(id) || typeof text !== 'string' || typeof stopReason !== 'string' || !num(promptTokens) || !num(completionTokens) || !num(totalMs)) return null;
      if (reasoning !== null && typeof reasoning !== 'string') return null;
      if (firstTokenMs !== null && !num(firstTokenMs)) return null;
      if (!Array.isArray(calls)) return null;
      const parsed: DoneMessage['calls'] = [];
      for (const c of calls) {
        if (!isObj(c) || typeof c.name !== 'string') return null;
        parsed.push({ name: c.name, params: c.params });
      }
      return { t: 'done', id, text, reasoning, calls: parsed, stopReason, promptTokens, completionTokens, firstTokenMs, totalMs };
    }
    default:
      return null;
  }
}
