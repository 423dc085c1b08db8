/**
 * Backend kinds users add without forking: `kind: my-kind` plus
 * `module: ./my-kind.js` in inference.yaml, or `createPool(config,
 * { backends: { 'my-kind': factory } })` in code. A module exports
 * `createBackend(endpoint, ctx)` (named or default export). See
 * docs/inference.md for a complete example.
 */
import type { Backend, BackendFactory, Health, HealthState } from './backend';
import { BackendBugError } from './errors';
import type { ChatResponse, FinishReason, ToolCall } from './types';

/** Thrown when a backend module cannot be loaded or does not export `createBackend`. */
export class BackendModuleError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`backend module ${file}: ${detail}`);
    this.name = 'BackendModuleError';
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null;
}

function isFactory(v: unknown): v is BackendFactory {
  return typeof v === 'function';
}

/** Loads a user module named in inference.yaml (operator configuration, never a swarm definition). */
export function loadBackendModule(file: string): BackendFactory {
  let mod: unknown;
  try {
    // require(), not import(): CommonJS build; Node >= 20.19 also loads ESM modules this way.
    mod = require(file);
  } catch (e) {
    throw new BackendModuleError(file, `cannot load: ${e instanceof Error ? e.message : String(e)}`);
  }
  const candidates = isRecord(mod) ? [mod.createBackend, isRecord(mod.default) ? mod.default.createBackend : undefined, mod.default] : [];
  const factory = candidates.find(isFactory);
  if (factory === undefined) {
    throw new BackendModuleError(file, 'exports no createBackend(endpoint, ctx) function (named or default export)');
  }
  return factory;
}

/** Checks at run time that a factory's product has the Backend methods (user code is not type-checked with ours). */
export function checkBackend(v: unknown, where: string): Backend {
  if (!isRecord(v) || typeof v.chat !== 'function' || typeof v.probe !== 'function') {
    throw new BackendModuleError(where, 'createBackend returned no object with chat(req, opts) and probe(opts) methods');
  }
  const chat = v.chat;
  const probe = v.probe;
  const close = v.close;
  const endpoint = where;
  return {
    chat: async (req, opts) => checkChatResponse(await chat.call(v, req, opts), endpoint),
    probe: async (opts) => checkHealth(await probe.call(v, opts)),
    ...(typeof close === 'function' ? { close: () => Promise.resolve(close.call(v)) } : {}),
  };
}

const FINISH: readonly FinishReason[] = ['stop', 'length', 'tool_calls', 'content_filter', 'error'];
const STATES: readonly HealthState[] = ['up', 'loading', 'saturated', 'down'];

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** A user backend's answer, checked field by field; a malformed one is a BackendBugError (fail over). */
export function checkChatResponse(v: unknown, endpoint: string): ChatResponse {
  const bad = (what: string): BackendBugError => new BackendBugError(endpoint, `chat() returned ${what}`);
  if (!isRecord(v)) throw bad('no object');
  const usage = v.usage;
  if (!isRecord(usage) || typeof usage.promptTokens !== 'number' || typeof usage.completionTokens !== 'number') {
    throw bad('no usage {promptTokens, completionTokens}');
  }
  const finish = FINISH.find((f) => f === v.finishReason);
  if (finish === undefined) throw bad(`an unknown finishReason ${JSON.stringify(v.finishReason)}`);
  if (v.content !== null && typeof v.content !== 'string') throw bad('content that is neither a string nor null');
  const toolCalls: ToolCall[] = [];
  if (v.toolCalls !== undefined) {
    if (!Array.isArray(v.toolCalls)) throw bad('toolCalls that is not an array');
    for (const tc of v.toolCalls) {
      const id = isRecord(tc) ? str(tc.id) : null;
      const name = isRecord(tc) ? str(tc.name) : null;
      const args = isRecord(tc) ? str(tc.arguments) : null;
      if (id === null || name === null || args === null) throw bad('a tool call without string id, name and arguments');
      toolCalls.push({ id, name, arguments: args });
    }
  }
  return {
    content: typeof v.content === 'string' ? v.content : null,
    reasoning: str(v.reasoning),
    toolCalls,
    usage: { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens },
    finishReason: finish,
    endpoint,
    model: str(v.model) ?? '',
    simulated: v.simulated === true,
  };
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** A user backend's probe result; anything unreadable counts as down. */
export function checkHealth(v: unknown): Health {
  if (!isRecord(v)) return { state: 'down', running: null, waiting: null, generatedTokensTotal: null, detail: 'probe() returned no object' };
  const state = STATES.find((s) => s === v.state) ?? 'down';
  return {
    state,
    running: num(v.running),
    waiting: num(v.waiting),
    generatedTokensTotal: num(v.generatedTokensTotal),
    detail: str(v.detail),
  };
}
