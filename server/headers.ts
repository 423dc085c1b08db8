/**
 * Security headers on every answer. The API itself serves JSON only, so it
 * gets the strictest policy; the editor's pages get a CSP that lets its own
 * bundled scripts and styles run (React Flow and CodeMirror set inline
 * styles) and nothing from elsewhere.
 */
import type { RequestHandler } from 'express';

export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
export const EDITOR_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(): RequestHandler {
  return (req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
    const api = req.path === '/v1' || req.path.startsWith('/v1/');
    res.setHeader('Content-Security-Policy', api ? API_CSP : EDITOR_CSP);
    if (api) res.setHeader('Cache-Control', 'no-store');
    next();
  };
}
