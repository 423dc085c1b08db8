/**
 * The worker's side of a model host process (`host.mjs`): forks it, loads the
 * model once, multiplexes chat calls over its IPC channel with progress,
 * cancellation and timeouts, and notices when it dies.
 *
 * Hosts are shared: every endpoint of this worker process that names the
 * same GGUF file with the same settings leases the same host (reference
 * counted), so a model is loaded once per worker process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { parseFromHost, type ChatMessageToHost, type DoneMessage, type FailureKind, type HostInfo, type LoadMessage, type ToHost } from './protocol';
import { swarmflowRoot } from './package';

/** Thrown when the model could not be loaded; `message` carries llama.cpp's reason. */
export class HostLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostLoadError';
  }
}

/** Thrown when one call on a loaded model failed; `kind` says how (host crash and timeouts included). */
export class HostCallError extends Error {
  constructor(
    readonly kind: FailureKind | 'crashed' | 'first_token_timeout' | 'idle_timeout',
    message: string,
  ) {
    super(message);
    this.name = 'HostCallError';
  }
}

/** Thrown when host.mjs is missing from both the source tree and next to the compiled module. */
export class HostFileMissingError extends Error {
  constructor(looked: string[]) {
    super(`the llama-cpp model host script host.mjs is missing (looked in ${looked.join(', ')}); restore activities/inference/llama-cpp/host.mjs from the repository`);
    this.name = 'HostFileMissingError';
  }
}

/** host.mjs beside this module (source tree), else in the checkout's source tree (a tsc build does not copy .mjs files). */
export function hostScript(): string {
  const beside = path.join(__dirname, 'host.mjs');
  const looked = [beside];
  if (existsSync(beside)) return beside;
  const root = swarmflowRoot();
  if (root !== null) {
    const inSource = path.join(root, 'activities', 'inference', 'llama-cpp', 'host.mjs');
    looked.push(inSource);
    if (existsSync(inSource)) return inSource;
  }
  throw new HostFileMissingError(looked);
}

export interface CallOptions {
  signal: AbortSignal;
  onProgress?: (completionTokens: number) => void;
  /** Longest wait for the first generated token (prompt processing included). */
  firstTokenTimeoutMs: number;
  /** Longest silence between progress reports once tokens flow. */
  idleTimeoutMs: number;
}

interface Pending {
  resolve(d: DoneMessage): void;
  reject(e: Error): void;
  onProgress?: (n: number) => void;
  touch(): void;
}

const STDERR_TAIL = 4096;
const ABORT_GRACE_MS = 5000;
const CLOSE_GRACE_MS = 5000;

export type HostState = 'loading' | 'ready' | 'failed' | 'exited';

export class ModelHost {
  state: HostState = 'loading';
  info: HostInfo | null = null;
  /** Why the host is failed or exited. */
  failure: string | null = null;
  /** Calls sent and not yet answered. */
  inFlight = 0;
  generatedTokensTotal = 0;
  readonly ready: Promise<HostInfo>;
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderr = '';
  private closing = false;
  private readonly exited: Promise<void>;

  constructor(load: LoadMessage, loadTimeoutMs: number) {
    this.child = fork(hostScript(), [], {
      // No inherited flags (--inspect, --input-type, Jest's): the host is a plain Node process.
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
      // Never download or build llama.cpp at run time: only the prebuilt npm binaries.
      env: { ...process.env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true' },
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-STDERR_TAIL);
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.ready = new Promise<HostInfo>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(`loading took longer than ${loadTimeoutMs} ms (options.loadTimeoutMs)`);
        this.child.kill('SIGKILL');
      }, loadTimeoutMs);
      timer.unref();
      this.child.on('message', (raw: unknown) => {
        const m = parseFromHost(raw);
        if (m === null) return;
        switch (m.t) {
          case 'ready':
            clearTimeout(timer);
            this.info = m.info;
            this.state = 'ready';
            this.refresh();
            return resolve(m.info);
          case 'load-failed':
            clearTimeout(timer);
            this.fail(m.message);
            this.child.kill('SIGKILL');
            return reject(new HostLoadError(m.message));
          case 'progress': {
            const p = this.pending.get(m.id);
            p?.touch();
            p?.onProgress?.(m.completionTokens);
            return;
          }
          case 'done': {
            const p = this.pending.get(m.id);
            if (p === undefined) return;
            this.generatedTokensTotal += m.completionTokens;
            return p.resolve(m);
          }
          case 'failed':
            return this.pending.get(m.id)?.reject(new HostCallError(m.kind, m.message));
        }
      });
      this.child.once('exit', (code, signal) => {
        clearTimeout(timer);
        const why = this.closing
          ? 'the model host was closed'
          : `the model host process exited (${signal !== null ? `signal ${signal}` : `code ${code}`})${this.stderrTail()}`;
        if (this.closing) {
          this.state = 'exited';
          this.failure ??= why;
        } else this.fail(why);
        reject(new HostLoadError(this.failure ?? why));
        for (const p of [...this.pending.values()]) p.reject(new HostCallError('crashed', this.failure ?? why));
      });
      this.child.once('error', (e) => {
        this.fail(`cannot run the model host process: ${e.message}`);
        reject(new HostLoadError(this.failure ?? e.message));
      });
    });
    // Callers observe `ready` when they need it; an unobserved load failure must not crash the worker.
    this.ready.catch(() => undefined);
    this.post(load);
  }

  /**
   * Holds the worker's event loop open only while the host has work (loading
   * or calls in flight): an idle host never keeps a process from exiting, and
   * it exits itself when its parent goes (IPC disconnect).
   */
  private refresh(): void {
    const busy = (this.state === 'loading' || this.inFlight > 0) && !this.closing;
    const handles: unknown[] = [this.child, this.child.channel, this.child.stderr];
    for (const h of handles) {
      if (typeof h !== 'object' || h === null) continue;
      const fn = busy ? ('ref' in h ? h.ref : undefined) : 'unref' in h ? h.unref : undefined;
      if (typeof fn === 'function') fn.call(h);
    }
  }

  private stderrTail(): string {
    const lines = this.stderr.trim().split('\n').filter((l) => l.trim() !== '');
    return lines.length > 0 ? `: ${lines.slice(-3).join(' | ')}` : '';
  }

  private fail(why: string): void {
    if (this.failure === null) this.failure = why;
    this.state = 'failed';
    this.refresh();
  }

  private post(m: ToHost): boolean {
    if (!this.child.connected) return false;
    try {
      this.child.send(m);
      return true;
    } catch {
      return false;
    }
  }

  /** One chat call on the loaded model; rejects with HostCallError (or HostLoadError when the model is not loaded). */
  async chat(body: Omit<ChatMessageToHost, 't' | 'id'>, opts: CallOptions): Promise<DoneMessage> {
    await this.ready;
    if (this.state !== 'ready') throw new HostCallError('crashed', this.failure ?? 'the model host is not running');
    const id = this.nextId++;
    return new Promise<DoneMessage>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      let graceTimer: NodeJS.Timeout | null = null;
      let gotToken = false;
      const arm = (ms: number, kind: 'first_token_timeout' | 'idle_timeout', what: string): void => {
        if (timer !== null) clearTimeout(timer);
        timer = setTimeout(() => {
          this.post({ t: 'abort', id });
          finish(new HostCallError(kind, what));
        }, ms);
      };
      const onAbort = (): void => {
        this.post({ t: 'abort', id });
        // The host answers an abort at its next token; if it does not, stop waiting.
        graceTimer = setTimeout(() => finish(new HostCallError('aborted', 'cancelled (the model host did not confirm in time)')), ABORT_GRACE_MS);
      };
      const finish = (r: DoneMessage | Error): void => {
        if (!this.pending.has(id)) return;
        this.pending.delete(id);
        this.inFlight -= 1;
        this.refresh();
        if (timer !== null) clearTimeout(timer);
        if (graceTimer !== null) clearTimeout(graceTimer);
        opts.signal.removeEventListener('abort', onAbort);
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
      this.pending.set(id, {
        resolve: finish,
        reject: finish,
        onProgress: opts.onProgress,
        touch: () => {
          gotToken = true;
          arm(opts.idleTimeoutMs, 'idle_timeout', `no token for ${opts.idleTimeoutMs} ms`);
        },
      });
      this.inFlight += 1;
      this.refresh();
      if (opts.signal.aborted) return finish(new HostCallError('aborted', 'cancelled'));
      opts.signal.addEventListener('abort', onAbort, { once: true });
      if (!gotToken) arm(opts.firstTokenTimeoutMs, 'first_token_timeout', `no token within ${opts.firstTokenTimeoutMs} ms`);
      if (!this.post({ ...body, t: 'chat', id })) finish(new HostCallError('crashed', this.failure ?? 'the model host process is gone'));
    });
  }

  /** Stops the host: a clean shutdown, then SIGKILL after a grace period. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.closing = true;
    this.refresh();
    if (!this.post({ t: 'shutdown' })) this.child.kill('SIGKILL');
    const t = setTimeout(() => this.child.kill('SIGKILL'), CLOSE_GRACE_MS);
    await this.exited;
    clearTimeout(t);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }
}

interface Entry {
  host: ModelHost;
  refs: number;
}

const hosts = new Map<string, Entry>();

/** A backend's share of a host; `current()` restarts a dead host when `restart` is true. */
export interface HostLease {
  current(): ModelHost;
  /** Replaces `dead` with a fresh host (if nobody did already) and returns the live one. */
  restart(dead: ModelHost): ModelHost;
  release(): Promise<void>;
}

/** Leases the host for `key` (the model file and its settings), starting it on first use. */
export function leaseHost(key: string, start: () => ModelHost): HostLease {
  let entry = hosts.get(key);
  if (entry === undefined) {
    entry = { host: start(), refs: 0 };
    hosts.set(key, entry);
  }
  entry.refs += 1;
  const e = entry;
  let released = false;
  return {
    current: () => e.host,
    restart: (dead) => {
      if (e.host === dead) {
        void dead.close();
        e.host = start();
      }
      return e.host;
    },
    release: async () => {
      if (released) return;
      released = true;
      e.refs -= 1;
      if (e.refs > 0) return;
      if (hosts.get(key) === e) hosts.delete(key);
      await e.host.close();
    },
  };
}

/** Hosts alive in this process (for tests and status). */
export function liveHostCount(): number {
  return hosts.size;
}
