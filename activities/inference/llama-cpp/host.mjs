// @ts-check
/*
 * The model host: one child process per loaded GGUF model, forked by
 * host-client.ts. It imports node-llama-cpp, loads the model and one
 * llama.cpp context with N sequences, and runs chat calls on them, talking
 * to its parent over Node's IPC channel (messages in protocol.ts).
 *
 * Why a process and why plain JavaScript:
 * - node-llama-cpp is ESM with top-level await, which a CommonJS worker can
 *   only reach with a real dynamic import(); Jest's module sandbox (where the
 *   test suite runs the worker) cannot do that. A forked Node process can.
 * - llama.cpp is native code: an abort() on a bad file or an out-of-memory
 *   kill ends this process, not the Temporal worker. The endpoint goes down
 *   and the worker carries on.
 * - It runs as-is in a fresh Node process (no TypeScript compile step), from
 *   the source tree and from a built checkout alike.
 *
 * The process exits when its parent disconnects, so it never outlives the worker.
 */
import { pathToFileURL } from 'node:url';

/** @typedef {{ t: 'load', entry: string, modelPath: string, contextSize: number | null, threads: number | null, sequences: number, gpu: 'auto' | false | 'cuda' | 'vulkan' | 'metal', gpuLayers: number | 'auto' | 'max' | null, batchSize: number | null, flashAttention: boolean | null, defaultContextSize: number }} LoadMessage */
/** @typedef {{ t: 'chat', id: number, history: any[], functions: Record<string, { description: string, params: object }> | null, schema: object | null, maxTokens: number | null, temperature: number, seed: number | null, thinking: boolean | null }} ChatMessage */
/** @typedef {{ chat: any, busy: boolean }} Slot */

const PROGRESS_EVERY_MS = 50;
const GRAMMAR_CACHE = 64;

/** @type {any} */ let nlc = null;
/** @type {any} */ let llama = null;
/** @type {any} */ let model = null;
/** @type {any} */ let context = null;
/** @type {Slot[]} */ const slots = [];
/** @type {{ msg: ChatMessage, start: (slot: Slot) => void, aborted: () => void }[]} */ const waiting = [];
/** @type {Map<number, AbortController>} */ const running = new Map();
/** @type {Map<string, any>} */ const grammars = new Map();
/** Recent llama.cpp warnings and errors: the reason a load failed is usually here. */
/** @type {string[]} */ const recentLogs = [];

/** @param {object} m */
function send(m) {
  if (process.connected) process.send?.(m);
}

/** @param {unknown} e */
function messageOf(e) {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Tokens kept free beyond the answer: node-llama-cpp re-renders the context
 * around function calls and needs one free cell, so an answer capped at
 * exactly the free space could still trigger a context shift.
 */
const CONTEXT_MARGIN = 16;

/** @param {LoadMessage} m */
async function load(m) {
  const started = Date.now();
  nlc = await import(pathToFileURL(m.entry).href);
  llama = await nlc.getLlama({
    gpu: m.gpu,
    // Only prebuilt binaries from npm: never build from source, never download.
    build: 'never',
    skipDownload: true,
    progressLogs: false,
    logLevel: 'warn',
    /** @param {string} level @param {string} message */
    logger: (level, message) => {
      const line = `${level}: ${String(message).trim()}`;
      if (line.length > 0) recentLogs.push(line.slice(0, 500));
      if (recentLogs.length > 20) recentLogs.shift();
    },
    // 0 = no cap, so the context's `threads` is exactly what is used.
    maxThreads: 0,
  });
  model = await llama.loadModel({ modelPath: m.modelPath, ...(m.gpuLayers !== null ? { gpuLayers: m.gpuLayers } : {}) });
  const threads = m.threads ?? Math.max(1, llama.cpuMathCores);
  context = await model.createContext({
    contextSize: m.contextSize ?? Math.min(model.trainContextSize, m.defaultContextSize),
    sequences: m.sequences,
    threads,
    ...(m.batchSize !== null ? { batchSize: m.batchSize } : {}),
    ...(m.flashAttention !== null ? { flashAttention: m.flashAttention } : {}),
  });
  for (let i = 0; i < m.sequences; i++) {
    // chatWrapper 'auto': the chat template comes from the model's metadata.
    slots.push({ chat: new nlc.LlamaChat({ contextSequence: context.getSequence(), chatWrapper: 'auto' }), busy: false });
  }
  const first = slots[0];
  return {
    contextSize: context.contextSize,
    trainContextSize: model.trainContextSize,
    sequences: m.sequences,
    threads,
    gpu: llama.gpu === false ? 'cpu' : String(llama.gpu),
    chatWrapper: first ? String(first.chat.chatWrapper.wrapperName ?? 'unknown') : 'unknown',
    loadMs: Date.now() - started,
  };
}

/** @param {object} schema */
async function grammarFor(schema) {
  const key = JSON.stringify(schema);
  let g = grammars.get(key);
  if (g === undefined) {
    g = await llama.createGrammarForJsonSchema(schema);
    if (grammars.size >= GRAMMAR_CACHE) grammars.clear();
    grammars.set(key, g);
  }
  return g;
}

/**
 * Reasoning of earlier turns travels as thought segments; a chat template
 * without thought segments would glue it into the visible answer, so it is
 * dropped for those models.
 * @param {any[]} history @param {any} wrapper
 */
function fitToTemplate(history, wrapper) {
  if (wrapper?.settings?.segments?.thought != null) return history;
  return history.map((item) =>
    item.type === 'model' ? { ...item, response: item.response.filter((/** @type {any} */ p) => !(typeof p === 'object' && p !== null && p.type === 'segment')) } : item,
  );
}

/** The history as LlamaChat will render it: generation continues an (empty) model turn. */
/** @param {any[]} history */
function withModelTurn(history) {
  const last = history[history.length - 1];
  return last && last.type === 'model' ? history : [...history, { type: 'model', response: [] }];
}

/** @param {ChatMessage} msg @param {Slot} slot */
async function runChat(msg, slot) {
  const received = Date.now();
  const abort = new AbortController();
  running.set(msg.id, abort);
  /** Set when node-llama-cpp wanted to drop history to make room: we stop instead of silently forgetting. */
  const contextFull = new AbortController();
  let firstTokenMs = /** @type {number | null} */ (null);
  let generated = 0;
  /** @type {NodeJS.Timeout | null} */ let ticker = null;
  /** Where a failure happened: rendering the prompt or building a grammar fails on the request itself. */
  let stage = 'prompt';
  try {
    const chat = slot.chat;
    const sequence = chat.sequence;
    const functions = msg.functions !== null && Object.keys(msg.functions).length > 0 ? msg.functions : undefined;
    const history = fitToTemplate(msg.history, chat.chatWrapper);
    const state = chat.chatWrapper.generateContextState({ chatHistory: withModelTurn(history), availableFunctions: functions, documentFunctionParams: true });
    const promptTokens = state.contextText.tokenize(model.tokenizer).length;
    const room = context.contextSize - promptTokens - CONTEXT_MARGIN;
    if (room <= 0) {
      return send({ t: 'failed', id: msg.id, kind: 'overflow', message: `the prompt is ${promptTokens} tokens and the context holds ${context.contextSize} per sequence` });
    }
    const maxTokens = Math.min(msg.maxTokens ?? room, room);
    stage = 'grammar';
    const grammar = msg.schema !== null && functions === undefined ? await grammarFor(msg.schema) : undefined;
    stage = 'generation';
    const before = sequence.tokenMeter.getState();
    // Progress from llama.cpp's own token meter: onToken misses thought segments and function-call tokens,
    // and a long tool call must still heartbeat.
    const report = () => {
      const n = sequence.tokenMeter.diff(before).usedOutputTokens;
      if (n === generated) return;
      generated = n;
      if (firstTokenMs === null) firstTokenMs = Date.now() - received;
      send({ t: 'progress', id: msg.id, completionTokens: n });
    };
    ticker = setInterval(report, PROGRESS_EVERY_MS);
    const res = await chat.generateResponse(history, {
      maxTokens,
      temperature: msg.temperature,
      ...(msg.seed !== null ? { seed: msg.seed } : {}),
      signal: AbortSignal.any([abort.signal, contextFull.signal]),
      // A context-full stop returns the answer so far (finish reason length) instead of throwing.
      stopOnAbortSignal: true,
      ...(functions !== undefined ? { functions, documentFunctionParams: true } : {}),
      ...(grammar !== undefined ? { grammar } : {}),
      ...(msg.thinking === false ? { budgets: { thoughtTokens: 0 } } : {}),
      contextShift: {
        // node-llama-cpp falls back to its own strategy if ours throws, so we stop the generation instead.
        strategy: (/** @type {{ chatHistory: any[] }} */ o) => {
          contextFull.abort();
          return { chatHistory: o.chatHistory };
        },
      },
      // The first token is reported at once (time to first token); the ticker reports the rest.
      onResponseChunk: () => {
        if (firstTokenMs === null) report();
      },
    });
    clearInterval(ticker);
    if (abort.signal.aborted) return send({ t: 'failed', id: msg.id, kind: 'aborted', message: 'cancelled' });
    const used = sequence.tokenMeter.diff(before);
    const thoughts = (res.fullResponse ?? []).filter((/** @type {any} */ p) => typeof p === 'object' && p !== null && p.type === 'segment' && p.segmentType === 'thought');
    send({
      t: 'done',
      id: msg.id,
      text: res.response,
      reasoning: thoughts.length > 0 ? thoughts.map((/** @type {any} */ p) => String(p.text)).join('') : null,
      calls: (res.functionCalls ?? []).map((/** @type {any} */ c) => ({ name: String(c.functionName), params: c.params === undefined ? null : c.params })),
      stopReason: contextFull.signal.aborted ? 'maxTokens' : String(res.metadata?.stopReason ?? 'eogToken'),
      promptTokens,
      completionTokens: used.usedOutputTokens,
      firstTokenMs,
      totalMs: Date.now() - received,
    });
  } catch (e) {
    if (abort.signal.aborted) return send({ t: 'failed', id: msg.id, kind: 'aborted', message: 'cancelled' });
    if (contextFull.signal.aborted) {
      return send({ t: 'failed', id: msg.id, kind: 'overflow', message: `the answer outgrew the context window of ${context.contextSize} tokens` });
    }
    // A history the chat template cannot render, or a schema node-llama-cpp cannot turn into a grammar, is the request's fault.
    const kind = stage === 'generation' ? 'engine' : 'bad_request';
    send({ t: 'failed', id: msg.id, kind, message: `${stage}: ${messageOf(e)}` });
  } finally {
    if (ticker !== null) clearInterval(ticker);
    running.delete(msg.id);
    slot.busy = false;
    pump();
  }
}

function pump() {
  while (waiting.length > 0) {
    const slot = slots.find((s) => !s.busy);
    if (slot === undefined) return;
    const next = waiting.shift();
    if (next === undefined) return;
    slot.busy = true;
    next.start(slot);
  }
}

/** @param {ChatMessage} msg */
function enqueue(msg) {
  if (context === null) return send({ t: 'failed', id: msg.id, kind: 'engine', message: 'the model is not loaded' });
  waiting.push({
    msg,
    start: (slot) => void runChat(msg, slot),
    aborted: () => send({ t: 'failed', id: msg.id, kind: 'aborted', message: 'cancelled while waiting for a sequence' }),
  });
  pump();
}

/** @param {number} id */
function abortCall(id) {
  const r = running.get(id);
  if (r) return r.abort();
  const i = waiting.findIndex((w) => w.msg.id === id);
  if (i >= 0) {
    const [w] = waiting.splice(i, 1);
    w?.aborted();
  }
}

async function shutdown() {
  for (const a of running.values()) a.abort();
  try {
    await context?.dispose();
    await model?.dispose();
    await llama?.dispose();
  } finally {
    process.exit(0);
  }
}

process.on('disconnect', () => process.exit(0));
process.on('message', (/** @type {any} */ m) => {
  if (typeof m !== 'object' || m === null) return;
  switch (m.t) {
    case 'load':
      load(m).then(
        (info) => send({ t: 'ready', info }),
        (e) => {
          const logs = recentLogs.filter((l) => !l.startsWith('debug')).slice(-5);
          send({ t: 'load-failed', message: `${messageOf(e)}${logs.length > 0 ? ` (llama.cpp: ${logs.join(' | ')})` : ''}` });
        },
      );
      return;
    case 'chat':
      return enqueue(m);
    case 'abort':
      return abortCall(m.id);
    case 'shutdown':
      void shutdown();
      return;
  }
});
