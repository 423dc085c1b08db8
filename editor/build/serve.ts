/**
 * The built editor outside the API server, for its browser tests and its
 * benchmark: a tiny static file server for editor/dist on 127.0.0.1 and a
 * free port, with the same Content-Security-Policy the API server sends for
 * the editor (so a page that needs `eval` fails here too), and a build of
 * editor/dist when it is missing or older than its sources.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { EDITOR_CSP } from '../../server/headers';

/** Thrown when editor/dist cannot be built: the message carries vite's output. */
export class EditorBuildError extends Error {
  constructor(output: string) {
    super(`the editor build (vite build --config editor/vite.config.ts) failed:\n${output}`);
    this.name = 'EditorBuildError';
  }
}

function newest(dir: string): number {
  let t = 0;
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === 'dist') continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else t = Math.max(t, fs.statSync(p).mtimeMs);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return t;
}

/** Builds `<root>/editor/dist` when it is missing or older than editor/, dsl/ or schemas/ (the bootstrap normally did it). */
export function ensureEditorBuilt(root: string): string {
  const dist = path.join(root, 'editor', 'dist');
  const index = path.join(dist, 'index.html');
  const built = fs.existsSync(index) ? fs.statSync(index).mtimeMs : 0;
  const sources = Math.max(...['editor', 'dsl', 'schemas'].map((d) => newest(path.join(root, d))));
  if (built >= sources) return dist;
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--config', path.join(root, 'editor', 'vite.config.ts'), '--logLevel', 'error'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new EditorBuildError(`${r.stdout}\n${r.stderr}`);
  return dist;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.yaml': 'application/yaml',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

export async function serveStatic(dir: string): Promise<StaticServer> {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = path.resolve(root, '.' + (urlPath === '/' ? '/index.html' : urlPath));
    if (!file.startsWith(root + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      // The API answers unknown /v1 routes with 404; there is no API here.
      if (urlPath.startsWith('/v1/')) {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'no API in this test server', details: [] } }));
        return;
      }
      file = path.join(root, 'index.html');
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': EDITOR_CSP, 'Cache-Control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo; // listen() on a TCP port always gives an AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
