/**
 * Validation as you type, with the same dsl/ code as the CLI, in a worker.
 * Only the newest text's answer is kept; while a check runs, the previous
 * diagnostics stay on screen.
 */
import { useEffect, useRef, useState } from 'react';
import type { Diagnostic } from '../../../dsl/diagnostic';
import type { ValidationAnswer, ValidationRequest } from '../validation.worker';
import { markOnce } from '../marks';

export interface Validation {
  diagnostics: Diagnostic[];
  /** The text the diagnostics are for. */
  checkedText: string | null;
  pending: boolean;
  /** Milliseconds the last check took. */
  ms: number;
}

const DEBOUNCE_MS = 120;

export function useValidation(text: string, file: string): Validation {
  const [state, setState] = useState<Validation>({ diagnostics: [], checkedText: null, pending: true, ms: 0 });
  const worker = useRef<Worker | null>(null);
  const seq = useRef(0);
  const texts = useRef(new Map<number, string>());

  useEffect(() => {
    const w = new Worker(new URL('../validation.worker.ts', import.meta.url), { type: 'module', name: 'swarmflow-validation' });
    w.onmessage = (e: MessageEvent<ValidationAnswer>) => {
      const { seq: s, diagnostics, ms } = e.data;
      const checked = texts.current.get(s) ?? null;
      for (const k of texts.current.keys()) if (k <= s) texts.current.delete(k);
      if (s !== seq.current) return; // a newer text is on its way
      setState({ diagnostics, checkedText: checked, pending: false, ms });
      markOnce('swarmflow:validated');
    };
    w.onerror = (e) => {
      setState((st) => ({ ...st, pending: false, diagnostics: [{ file: 'editor', line: 1, col: 1, code: 'SF999', ptr: '', message: `the validator failed to run in this browser: ${e.message}` }] }));
    };
    worker.current = w;
    return () => {
      w.terminate();
      worker.current = null;
    };
  }, []);

  useEffect(() => {
    setState((st) => (st.pending ? st : { ...st, pending: true }));
    const t = setTimeout(() => {
      const s = ++seq.current;
      texts.current.set(s, text);
      const req: ValidationRequest = { seq: s, text, file };
      worker.current?.postMessage(req);
    }, seq.current === 0 ? 0 : DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [text, file]);

  return state;
}
