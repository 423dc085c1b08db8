/**
 * docker-compose.yml, the Dockerfile and the CLI read into plain typed
 * shapes (validated here, at the boundary) so the consistency test can
 * compare them. Only the parts of the Compose spec this project uses are
 * modelled; anything else in a service is ignored.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface Healthcheck {
  test: string[];
}

export interface EnvFile {
  path: string;
  required: boolean;
}

export interface Port {
  host: number;
  container: number;
}

export interface Service {
  name: string;
  image: string | null;
  build: { context: string; dockerfile: string } | null;
  command: string[];
  entrypoint: string[];
  environment: Record<string, string>;
  envFiles: EnvFile[];
  ports: Port[];
  volumes: string[];
  dependsOn: Record<string, string>;
  healthcheck: Healthcheck | null;
  restart: string | null;
  profiles: string[];
}

export interface Compose {
  services: Record<string, Service>;
  volumes: string[];
}

export class ComposeShapeError extends Error {
  constructor(where: string, problem: string) {
    super(`docker-compose.yml ${where}: ${problem}`);
    this.name = 'ComposeShapeError';
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new ComposeShapeError(where, `expected a string, got ${JSON.stringify(v)}`);
}

function strList(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) throw new ComposeShapeError(where, 'expected a list of strings');
  return v.map((x, i) => str(x, `${where}[${i}]`));
}

function envMap(v: unknown, where: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (Array.isArray(v)) {
    return Object.fromEntries(
      v.map((x, i) => {
        const s = str(x, `${where}[${i}]`);
        const eq = s.indexOf('=');
        return eq < 0 ? [s, ''] : [s.slice(0, eq), s.slice(eq + 1)];
      }),
    );
  }
  if (!isRecord(v)) throw new ComposeShapeError(where, 'expected a map or a list of NAME=value');
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x === null ? '' : str(x, `${where}.${k}`)]));
}

function envFiles(v: unknown, where: string): EnvFile[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x, i) => {
    if (typeof x === 'string') return { path: x, required: true };
    if (isRecord(x)) return { path: str(x.path, `${where}[${i}].path`), required: x.required === undefined ? true : x.required === true };
    throw new ComposeShapeError(`${where}[${i}]`, 'expected a path or {path, required}');
  });
}

function ports(v: unknown, where: string): Port[] {
  return strList(v, where).map((p, i) => {
    const m = /^(?:[\d.]+:)?(\d+):(\d+)(?:\/(?:tcp|udp))?$/.exec(p);
    if (!m) throw new ComposeShapeError(`${where}[${i}]`, `"${p}" is not HOST:CONTAINER`);
    return { host: Number(m[1]), container: Number(m[2]) };
  });
}

function dependsOn(v: unknown, where: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [str(x, `${where}[${i}]`), 'service_started']));
  if (!isRecord(v)) throw new ComposeShapeError(where, 'expected a list or a map');
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, isRecord(x) && x.condition !== undefined ? str(x.condition, `${where}.${k}.condition`) : 'service_started']));
}

function service(name: string, v: unknown): Service {
  const at = `services.${name}`;
  if (!isRecord(v)) throw new ComposeShapeError(at, 'expected a map');
  let build: Service['build'] = null;
  if (typeof v.build === 'string') build = { context: v.build, dockerfile: 'Dockerfile' };
  else if (isRecord(v.build)) build = { context: str(v.build.context ?? '.', `${at}.build.context`), dockerfile: str(v.build.dockerfile ?? 'Dockerfile', `${at}.build.dockerfile`) };
  let healthcheck: Healthcheck | null = null;
  if (isRecord(v.healthcheck)) healthcheck = { test: strList(v.healthcheck.test, `${at}.healthcheck.test`) };
  return {
    name,
    image: v.image === undefined ? null : str(v.image, `${at}.image`),
    build,
    command: strList(v.command, `${at}.command`),
    entrypoint: strList(v.entrypoint, `${at}.entrypoint`),
    environment: envMap(v.environment, `${at}.environment`),
    envFiles: envFiles(v.env_file, `${at}.env_file`),
    ports: ports(v.ports, `${at}.ports`),
    volumes: strList(v.volumes, `${at}.volumes`),
    dependsOn: dependsOn(v.depends_on, `${at}.depends_on`),
    healthcheck,
    restart: v.restart === undefined ? null : str(v.restart, `${at}.restart`),
    profiles: strList(v.profiles, `${at}.profiles`),
  };
}

/** Reads docker-compose.yml with merge keys (`<<: *anchor`) resolved, as Compose does. */
export function loadCompose(file = path.join(ROOT, 'docker-compose.yml')): Compose {
  const doc: unknown = parse(fs.readFileSync(file, 'utf8'), { merge: true, uniqueKeys: true });
  if (!isRecord(doc) || !isRecord(doc.services)) throw new ComposeShapeError('top level', 'expected a map with services');
  const services = Object.fromEntries(Object.entries(doc.services).map(([k, v]) => [k, service(k, v)]));
  const volumes = isRecord(doc.volumes) ? Object.keys(doc.volumes) : [];
  return { services, volumes };
}

/** NAME=value lines of an env file (comments and blanks skipped). */
export function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m?.[1]) out[m[1]] = m[2] ?? '';
  }
  return out;
}

/** A service's environment as the container sees it: env files (their committed .example when the real one is generated), then `environment`. */
export function effectiveEnv(s: Service): Record<string, string> {
  let env: Record<string, string> = {};
  for (const f of s.envFiles) {
    const real = path.join(ROOT, f.path);
    const file = fs.existsSync(real) ? real : `${real}.example`;
    if (fs.existsSync(file)) env = { ...env, ...readEnvFile(file) };
  }
  return { ...env, ...s.environment };
}

/** Top-level command names of the CLI and the options each declares, read from cli/index.ts. */
export function cliCommands(file = path.join(ROOT, 'cli', 'index.ts')): Map<string, Set<string>> {
  const src = fs.readFileSync(file, 'utf8');
  const out = new Map<string, Set<string>>();
  const re = /\bp\.command\('([a-z][a-z-]*)'\)/g;
  const starts = [...src.matchAll(re)];
  starts.forEach((m, i) => {
    const name = m[1] ?? '';
    const body = src.slice(m.index ?? 0, starts[i + 1]?.index ?? src.length);
    const opts = new Set<string>();
    for (const o of body.matchAll(/(?:\.option|\.requiredOption|new Option)\('(?:-[a-zA-Z], )?(--[a-z][a-z-]*)/g)) if (o[1]) opts.add(o[1].startsWith('--no-') ? `--${o[1].slice(5)}` : o[1]);
    out.set(name, opts);
  });
  return out;
}

export interface DockerInstruction {
  stage: string;
  op: string;
  args: string;
}

/** Dockerfile instructions with line continuations joined, each tagged with its build stage. */
export function readDockerfile(file: string): DockerInstruction[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const joined: string[] = [];
  let cur = '';
  for (const raw of lines) {
    const line = raw.trim();
    if (cur === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      cur += `${line.slice(0, -1)} `;
      continue;
    }
    joined.push(cur + line);
    cur = '';
  }
  let stage = '';
  let n = 0;
  return joined.map((l) => {
    const sp = l.indexOf(' ');
    const op = l.slice(0, sp).toUpperCase();
    const args = l.slice(sp + 1).trim();
    if (op === 'FROM') {
      const as = /\bAS\s+(\S+)$/i.exec(args);
      stage = as?.[1] ?? `stage${n}`;
      n++;
    }
    return { stage, op, args };
  });
}

/** The exec form of CMD/ENTRYPOINT (a JSON list of strings), or null for the shell form. */
export function execForm(args: string): string[] | null {
  try {
    const v: unknown = JSON.parse(args);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null;
  } catch {
    return null;
  }
}

/** Environment variable names the project's code reads (`env.X`, `process.env.X`, `env['X']`). */
export function envVarsReadBySource(dirs = ['runtime', 'server', 'cli', 'activities', 'sim', 'workflows', 'dsl']): Set<string> {
  const names = new Set<string>();
  const walk = (d: string): void => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|js)$/.test(e.name)) {
        const src = fs.readFileSync(p, 'utf8');
        for (const m of src.matchAll(/\benv(?:\?)?\.([A-Z][A-Z0-9_]+)\b|\benv\[['"]([A-Z][A-Z0-9_]+)['"]\]/g)) names.add(m[1] ?? m[2] ?? '');
      }
    }
  };
  for (const d of dirs) walk(path.join(ROOT, d));
  names.delete('');
  return names;
}
