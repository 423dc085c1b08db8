/**
 * The editor's build: a static bundle in editor/dist that the API server
 * serves at `/`. TSX is transformed by Vite's own oxc transform (no React
 * plugin); dsl/ and schemas/ are bundled from the repository, so the
 * editor validates with the same code as the CLI.
 */
import * as path from 'node:path';
import { defineConfig } from 'vite';
import { ajvStandalone } from './build/ajv-standalone';

const here = __dirname;
const repo = path.resolve(here, '..');

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic' } },
  plugins: [ajvStandalone(repo)],
  worker: { format: 'es', plugins: () => [ajvStandalone(repo)] },
  build: {
    outDir: path.join(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2500,
    sourcemap: false,
    rolldownOptions: {
      // React Flow's "use client" directive means nothing in a browser bundle,
      // and timing notes are noise in the bootstrap's output (the plugin's
      // precompilation takes about a second, once).
      checks: { moduleLevelDirective: false, bundlerTimings: false },
    },
  },
  server: { fs: { allow: [repo] } },
});
