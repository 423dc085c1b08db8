/**
 * Reading request bodies, only after authentication (the auth middleware runs
 * first) and only for the routes that take one. JSON must be
 * `application/json`; definitions may also come as YAML text
 * (`application/yaml`). Bodies over the limit get 413 (body-parser stops
 * reading at the limit), other types 415, compressed bodies 415 (a small
 * gzip can inflate to any size).
 */
import express, { type RequestHandler } from 'express';
import { ApiError } from './errors';
import type { BodyKind } from './routes';

export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

/** The body as the handlers receive it. */
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
        req.parsedBody = { kind: 'json', value: req.body as unknown };
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
