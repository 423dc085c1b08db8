/**
 * Reading request bodies, only after authentication (the auth middleware runs
 * first) and only for the routes that take one. JSON must be
 * `application/json`; definitions may also come as YAML text
 * (`application/yaml`). Bodies over the limit get 413 (body-parser stops
 * reading at the limit), other types 415, compressed bodies 415 (a small
 * gzip can inflate to any size). JSON nested deeper than MAX_JSON_DEPTH is
 * refused with 400 right after parsing: a 10,000-deep run input parses fine
 * but overflows the stack of every recursive consumer after it (the inputs
 * schema check, the payload converter's JSON.stringify), which was a 500.
 */
import express, { type RequestHandler } from 'express';
import { ApiError } from './errors';
import type { BodyKind } from './routes';

export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

/** The body as the handlers receive it. */
/**
 * Deepest nesting a JSON body may have (objects and arrays, the body itself
 * being level 1). The DSL allows 64 levels of YAML; a run input or signal
 * payload mirroring such a structure, inside the request's own envelope,
 * fits in 128 with room to spare.
 */
export const MAX_JSON_DEPTH = 128;

/** Thrown (as a 400) for a JSON body nested deeper than the limit; names where. */
export class BodyTooDeepError extends ApiError {
  constructor(
    readonly limit: number,
    readonly at: string,
  ) {
    super('bad_request', `the JSON body nests deeper than ${limit} levels (at ${at}); flatten it`, [`${at}: nested more than ${limit} levels deep`]);
    this.name = 'BodyTooDeepError';
  }
}

/**
 * The location of the first value nested deeper than `limit`, or null.
 * Iterative (an explicit stack), so the check itself cannot overflow; the
 * location shows the first 8 segments, enough to find the field.
 */
export function tooDeepAt(value: unknown, limit = MAX_JSON_DEPTH, root = 'body'): string | null {
  const stack: { v: unknown; depth: number; path: string[] }[] = [{ v: value, depth: 1, path: [] }];
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop() as { v: unknown; depth: number; path: string[] };
    if (v === null || typeof v !== 'object') continue;
    if (depth > limit) {
      const shown = path.slice(0, 8).map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1'));
      return `${root}/${shown.join('/')}${path.length > 8 ? '/…' : ''}`;
    }
    const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v);
    // Only the first few path segments are ever shown: later ones are not kept.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, x] = entries[i] as [string, unknown];
      if (x !== null && typeof x === 'object') stack.push({ v: x, depth: depth + 1, path: path.length < 9 ? [...path, k] : path });
    }
  }
  return null;
}

export type ParsedBody = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'yaml'; text: string };

declare module 'express-serve-static-core' {
  interface Request {
    parsedBody?: ParsedBody;
  }
}

function hasBody(req: express.Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const len = req.headers['content-length'];
  return len !== undefined && len !== '0';
}

export function bodyReader(limitBytes: number): (kind: BodyKind) => RequestHandler {
  const json = express.json({ limit: limitBytes, inflate: false, strict: true, type: () => true });
  const text = express.text({ limit: limitBytes, inflate: false, defaultCharset: 'utf-8', type: () => true });
  return (kind) => (req, res, next) => {
    if (kind === 'none' || !hasBody(req)) {
      req.parsedBody = { kind: 'none' };
      next();
      return;
    }
    const enc = req.headers['content-encoding'];
    if (enc !== undefined && enc !== 'identity') {
      next(new ApiError('unsupported_media_type', `compressed request bodies (Content-Encoding: ${enc}) are not accepted: send the body uncompressed`));
      return;
    }
    if (req.is('application/json')) {
      json(req, res, (err?: unknown) => {
        if (err) return next(err);
        const value: unknown = req.body;
        const deep = tooDeepAt(value);
        if (deep !== null) return next(new BodyTooDeepError(MAX_JSON_DEPTH, deep));
        req.parsedBody = { kind: 'json', value };
        next();
      });
      return;
    }
    if (kind === 'definition' && req.is(YAML_TYPES)) {
      text(req, res, (err?: unknown) => {
        if (err) return next(err);
        const body: unknown = req.body;
        if (typeof body !== 'string') return next(new ApiError('bad_request', 'the YAML body could not be read as text'));
        req.parsedBody = { kind: 'yaml', text: body };
        next();
      });
      return;
    }
    const accepted = kind === 'definition' ? `application/json or ${YAML_TYPES[0]}` : 'application/json';
    next(new ApiError('unsupported_media_type', `this route takes ${accepted}, not ${req.headers['content-type'] ?? 'a body without Content-Type'}`));
  };
}
