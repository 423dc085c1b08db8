/**
 * The editor, when it is built: `editor/dist` served at `/`, with every other
 * GET outside `/v1` answered by its `index.html` (the editor routes in the
 * browser). Paths reach here already canonical (no dot segments); express's
 * static middleware confines itself to the folder as well.
 */
import express, { type RequestHandler, type Router } from 'express';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** `editor/dist` next to the sources (ts-node, jest) or next to the build output (`dist/server`). */
export function findEditorDir(): string | null {
  const candidates = [path.resolve(__dirname, '..', 'editor', 'dist'), path.resolve(__dirname, '..', '..', 'editor', 'dist')];
  return candidates.find((d) => fs.existsSync(path.join(d, 'index.html'))) ?? null;
}

export function editorRouter(dir: string): Router {
  const r = express.Router({ caseSensitive: true, strict: true });
  r.use(express.static(dir, { index: 'index.html', dotfiles: 'ignore', fallthrough: true, redirect: false }));
  const spa: RequestHandler = (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path === '/v1' || req.path.startsWith('/v1/')) return next();
    if (!req.accepts('html')) return next();
    res.sendFile(path.join(dir, 'index.html'));
  };
  r.use(spa);
  return r;
}
