/**
 * Every error the API answers with has one shape,
 * `{ error: { code, message, details } }`, and one of a fixed set of codes.
 * Handlers throw `ApiError`; the final error handler (`errorHandler`) turns
 * anything else into a 500 without its message or stack, because an unknown
 * error may carry a secret or an internal path.
 */
import type { ErrorRequestHandler } from 'express';
import type { Diagnostic } from '../dsl/diagnostic';

export const ERROR_CODES = {
  bad_request: 400,
  malformed_json: 400,
  invalid_body: 400,
  invalid_definition: 400,
  invalid_input: 400,
  non_canonical_path: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  temporal_unavailable: 503,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    /** Located problems, one line each: `file:line:col: message` for definitions, `body/path: message` for JSON. */
    details: string[];
    /** Definition diagnostics with their JSON pointers, for editors. */
    diagnostics?: Diagnostic[];
  };
}

/** Thrown by handlers and middleware; the error handler answers with its status and body. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: string[] = [],
    readonly extra: { diagnostics?: Diagnostic[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = ERROR_CODES[code];
  }

  body(): ErrorBody {
    return { error: { code: this.code, message: this.message, details: this.details, ...(this.extra.diagnostics ? { diagnostics: this.extra.diagnostics } : {}) } };
  }
}

/** body-parser and raw-body report their failures as errors with a `type` and a `status`. */
function fromParserError(err: unknown): ApiError | null {
  if (typeof err !== 'object' || err === null || !('type' in err)) return null;
  switch ((err as { type: unknown }).type) {
    case 'entity.parse.failed':
      return new ApiError('malformed_json', 'the request body is not valid JSON', [oneLine(err)]);
    case 'entity.too.large': {
      const limit = (err as { limit?: unknown }).limit;
      return new ApiError('payload_too_large', `the request body is larger than the limit${typeof limit === 'number' ? ` of ${limit} bytes` : ''}`);
    }
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError('unsupported_media_type', 'the request body uses an encoding or charset this server does not accept: send uncompressed UTF-8');
    case 'request.size.invalid':
    case 'request.aborted':
      return new ApiError('bad_request', 'the request body ended before its declared length');
    default:
      return null;
  }
}

function oneLine(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return (m.split('\n')[0] ?? '').slice(0, 300);
}

export function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  return fromParserError(err);
}

/** The last middleware: one JSON error shape, never a stack trace. */
export function errorHandler(log: (line: string) => void): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    let api = toApiError(err);
    if (res.headersSent) {
      // A stream (SSE) already started: all we can do is log and end it.
      if (!api) log(`internal error on ${req.method} ${req.path} after the answer started: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      res.end();
      return;
    }
    if (!api) {
      log(`internal error on ${req.method} ${req.path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      api = new ApiError('internal', 'internal error: the server log has the details');
    }
    for (const [k, v] of Object.entries(api.extra.headers ?? {})) res.setHeader(k, v);
    res.status(api.status).json(api.body());
    void next;
  };
}

export function sendError(res: import('express').Response, err: ApiError): void {
  for (const [k, v] of Object.entries(err.extra.headers ?? {})) res.setHeader(k, v);
  res.status(err.status).json(err.body());
}
