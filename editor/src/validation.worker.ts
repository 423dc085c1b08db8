/**
 * Validation off the main thread: the dsl/ validator (the CLI's) on the
 * latest text, so typing stays smooth on large definitions. Each request
 * carries a sequence number; the answer echoes it.
 */
import { validate } from '../../dsl/index';
import type { Diagnostic } from '../../dsl/diagnostic';

export interface ValidationRequest {
  seq: number;
  text: string;
  file: string;
}

export interface ValidationAnswer {
  seq: number;
  diagnostics: Diagnostic[];
  ms: number;
}

self.onmessage = (e: MessageEvent<ValidationRequest>): void => {
  const { seq, text, file } = e.data;
  const t0 = performance.now();
  const diagnostics = validate(text, file);
  const answer: ValidationAnswer = { seq, diagnostics, ms: performance.now() - t0 };
  self.postMessage(answer);
};
