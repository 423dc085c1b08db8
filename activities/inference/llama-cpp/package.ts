/**
 * Where node-llama-cpp is. It is an optional dependency, never in the root
 * package.json: `node scripts/optional-deps.js llama` installs it into
 * `.swarmflow/optional/` (or `$SWARMFLOW_OPTIONAL_DIR`), and a user may
 * instead have installed it in their own project. We look in that order and
 * only resolve a path here; the package itself is imported by the model host
 * process (`host.mjs`), because it is ESM with top-level await.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as semver from 'semver';

export const NODE_LLAMA_CPP_VERSION = '3.21.1';
export const INSTALL_HINT = `run \`node scripts/optional-deps.js llama\` in the swarmflow folder (installs node-llama-cpp ${NODE_LLAMA_CPP_VERSION} into .swarmflow/optional), or \`npm install node-llama-cpp@${NODE_LLAMA_CPP_VERSION}\` in your project`;

/** Thrown when node-llama-cpp cannot be found or is an unsupported version; the message says how to install it. */
export class LlamaCppNotInstalledError extends Error {
  constructor(detail: string) {
    super(`node-llama-cpp is needed for endpoints of kind llama-cpp: ${detail}; ${INSTALL_HINT}`);
    this.name = 'LlamaCppNotInstalledError';
  }
}

export interface LlamaPackage {
  /** Absolute path of the package's ESM entry (dist/index.js). */
  entry: string;
  version: string;
  /** Where it was found: the optional prefix or normal module resolution. */
  from: 'optional prefix' | 'node_modules';
}

/** The swarmflow checkout: the nearest folder above `from` whose package.json is named swarmflow (source and dist alike). */
export function swarmflowRoot(from: string = __dirname): string | null {
  let dir = from;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const parsed: unknown = JSON.parse(readFileSync(pkg, 'utf8'));
        if (typeof parsed === 'object' && parsed !== null && 'name' in parsed && parsed.name === 'swarmflow') return dir;
      } catch {
        // an unreadable package.json is not ours; keep climbing
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** The optional-dependency prefix: $SWARMFLOW_OPTIONAL_DIR, else `.swarmflow/optional` in the checkout. */
export function optionalPrefix(env: NodeJS.ProcessEnv = process.env): string | null {
  const fromEnv = env.SWARMFLOW_OPTIONAL_DIR?.trim();
  if (fromEnv) return path.resolve(fromEnv);
  const root = swarmflowRoot();
  return root === null ? null : path.join(root, '.swarmflow', 'optional');
}

function versionAt(pkgDir: string): string | null {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'version' in parsed && typeof parsed.version === 'string') return parsed.version;
  } catch {
    // no package.json: not installed here
  }
  return null;
}

/** The package directory that module resolution from `base` finds, or null. */
function resolveFrom(base: string): string | null {
  try {
    // Resolution only; nothing is loaded. "exports" maps "." to dist/index.js under the "node" condition.
    const entry = createRequire(path.join(base, 'noop.js')).resolve('node-llama-cpp');
    return path.resolve(path.dirname(entry), '..');
  } catch {
    return null;
  }
}

/** Finds node-llama-cpp 3.x (3.21.1 or newer); throws LlamaCppNotInstalledError saying how to install it. */
export function findNodeLlamaCpp(env: NodeJS.ProcessEnv = process.env): LlamaPackage {
  const prefix = optionalPrefix(env);
  const candidates: { dir: string; from: LlamaPackage['from'] }[] = [];
  if (prefix !== null) candidates.push({ dir: path.join(prefix, 'node_modules', 'node-llama-cpp'), from: 'optional prefix' });
  for (const base of [process.cwd(), __dirname]) {
    const dir = resolveFrom(base);
    if (dir !== null) candidates.push({ dir, from: 'node_modules' });
  }
  const rejected: string[] = [];
  for (const c of candidates) {
    const version = versionAt(c.dir);
    if (version === null) continue;
    const entry = path.join(c.dir, 'dist', 'index.js');
    if (!existsSync(entry)) {
      rejected.push(`${c.dir} has no dist/index.js`);
      continue;
    }
    if (semver.valid(version) === null || !semver.satisfies(version, `>=${NODE_LLAMA_CPP_VERSION} <4`)) {
      rejected.push(`${c.dir} is version ${version}, not 3.x from ${NODE_LLAMA_CPP_VERSION}`);
      continue;
    }
    return { entry, version, from: c.from };
  }
  const looked = prefix !== null ? `looked in ${prefix} and the project's node_modules` : "looked in the project's node_modules";
  throw new LlamaCppNotInstalledError(rejected.length > 0 ? `${looked}: ${rejected.join('; ')}` : `not found (${looked})`);
}
