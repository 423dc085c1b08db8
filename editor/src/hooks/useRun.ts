/**
 * A run on the canvas: started from the current YAML, followed through the
 * API's event stream (events and progress snapshots), with a last look at
 * the run when the stream ends. One run at a time.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Json } from '../../../dsl/ir';
import { ApiClient, ApiFailure } from '../api/client';
import { applyEvent, applyProgress, newRunView, parseEvent, parseProgress } from '../model/run';
import type { RunView } from '../model/run';
import { record, stringOr } from '../model/wire';

export interface RunState {
  view: RunView | null;
  temporalUrl: string | null;
  error: string | null;
  starting: boolean;
  start(yaml: string, input: Json): Promise<boolean>;
  /** Follows a run that already exists (e.g. one started from the CLI). */
  attach(id: string): void;
  signal(name: string, payload: Json): Promise<void>;
  cancel(): Promise<void>;
  close(): void;
}

export function useRun(api: ApiClient): RunState {
  const [view, setView] = useState<RunView | null>(null);
  const [temporalUrl, setTemporalUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const abort = useRef<AbortController | null>(null);

  const refresh = useCallback(async (id: string) => {
    try {
      const raw = await api.getRun(id);
      const r = record(raw);
      const ui = stringOr(record(r?.links)?.ui);
      if (ui) setTemporalUrl(ui);
      const p = parseProgress(raw);
      setView((v) => (v && v.runId === id ? applyProgress(v, p) : v));
    } catch (err) {
      if (err instanceof ApiFailure) setError(err.message);
    }
  }, [api]);

  const follow = useCallback((id: string) => {
    abort.current?.abort();
    const ctrl = new AbortController();
    abort.current = ctrl;
    setView(newRunView(id));
    setError(null);
    void refresh(id);
    api
      .followEvents(
        id,
        (m) => {
          let data: unknown;
          try {
            data = JSON.parse(m.data);
          } catch {
            return;
          }
          if (m.event === 'progress') setView((v) => (v ? applyProgress(v, parseProgress(data)) : v));
          else if (m.event === 'end') void refresh(id);
          else if (m.event === 'error') setError(stringOr(record(data)?.message) ?? 'the event stream failed');
          else {
            const ev = parseEvent(data);
            if (ev) setView((v) => (v ? applyEvent(v, ev) : v));
            if (ev?.type === 'step.finished' || ev?.type === 'run.finished') void refresh(id);
          }
        },
        ctrl.signal,
      )
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)))
      .finally(() => {
        if (!ctrl.signal.aborted) void refresh(id);
      });
  }, [api, refresh]);

  const start = useCallback(async (yaml: string, input: Json): Promise<boolean> => {
    setStarting(true);
    setError(null);
    try {
      const run = await api.startRun(yaml, input);
      setTemporalUrl(run.temporalUi);
      follow(run.id);
      return true;
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      return false;
    } finally {
      setStarting(false);
    }
  }, [api, follow]);

  const signal = useCallback(async (name: string, payload: Json) => {
    if (!view) return;
    try {
      await api.signal(view.runId, name, payload);
      void refresh(view.runId);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, [api, view, refresh]);

  const cancel = useCallback(async () => {
    if (!view) return;
    try {
      await api.cancel(view.runId);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, [api, view]);

  const close = useCallback(() => {
    abort.current?.abort();
    abort.current = null;
    setView(null);
    setTemporalUrl(null);
    setError(null);
  }, []);

  useEffect(() => () => abort.current?.abort(), []);

  // While a run goes on, look at it now and then too: sub-agent lists can be large and change without events.
  useEffect(() => {
    if (!view || view.finished) return;
    const id = view.runId;
    const t = setInterval(() => void refresh(id), 2000);
    return () => clearInterval(t);
  }, [view?.runId, view?.finished, refresh]);

  return useMemo(() => ({ view, temporalUrl, error, starting, start, attach: follow, signal, cancel, close }), [view, temporalUrl, error, starting, start, follow, signal, cancel, close]);
}
