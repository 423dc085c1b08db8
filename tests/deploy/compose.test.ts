/**
 * docker-compose.yml, the Dockerfile and the deploy/ files checked against
 * each other and against the code, since no Docker engine runs here: every
 * service has an image or a build, health checks, existing dependencies,
 * unique ports, every variable its process reads, addresses that name real
 * services and ports; the UI's codec endpoint reaches a service that serves
 * /codec to the UI's origin; commands are real CLI commands with real
 * options; the Dockerfile copies real files and builds what it runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { parseInferenceConfig } from '../../activities/inference/config';
import { SEARCH_ATTRIBUTES } from '../../runtime/search-attributes';
import { ROOT, cliCommands, effectiveEnv, envVarsReadBySource, execForm, isRecord, loadCompose, readDockerfile, readEnvFile, type Service } from './compose-model';

const compose = loadCompose();
const services = Object.values(compose.services);
const cli = cliCommands();
const sourceEnv = envVarsReadBySource();
const dockerfile = readDockerfile(path.join(ROOT, 'Dockerfile'));

/** Services that run the swarmflow image: built from this repository's Dockerfile. */
const swarmflow = services.filter((s) => s.build?.context === '.');
const oneShot = (s: Service): boolean => s.restart === 'no';
const byName = (n: string): Service => {
  const s = compose.services[n];
  if (!s) throw new Error(`no service "${n}" in docker-compose.yml (services: ${Object.keys(compose.services).join(', ')})`);
  return s;
};
/** Container port a service listens on for `host:port` addresses inside the compose network. */
function listens(s: Service, port: number): boolean {
  const env = effectiveEnv(s);
  const flag = (f: string): number | null => {
    const i = s.command.indexOf(f);
    return i >= 0 && s.command[i + 1] ? Number(s.command[i + 1]) : null;
  };
  return s.ports.some((p) => p.container === port) || flag('--port') === port || Number(env.SWARMFLOW_METRICS_PORT) === port || (s.image?.startsWith('temporalio/auto-setup') === true && port === 7233) || (s.image?.startsWith('postgres') === true && port === 5432);
}
function hostPort(addr: string): { host: string; port: number } {
  const m = /^([a-z0-9.-]+):(\d+)$/.exec(addr);
  if (!m) throw new Error(`"${addr}" is not host:port`);
  return { host: m[1] ?? '', port: Number(m[2]) };
}
/** Which URL a health check fetches, when it fetches one. */
const healthUrl = (s: Service): URL | null => {
  const m = /https?:\/\/[^'"\s)]+/.exec(s.healthcheck?.test.join(' ') ?? '');
  return m ? new URL(m[0]) : null;
};

describe('docker-compose.yml', () => {
  test('has the services of the deployment', () => {
    const roles = swarmflow.map((s) => s.command.join(' '));
    expect(roles).toEqual(expect.arrayContaining(['worker', 'worker --inference']));
    expect(roles.some((r) => r.startsWith('api'))).toBe(true);
    expect(services.some((s) => s.image?.startsWith('temporalio/auto-setup') || s.image?.startsWith('temporalio/server'))).toBe(true);
    expect(services.some((s) => s.image?.startsWith('postgres:'))).toBe(true);
    expect(services.some((s) => s.image?.startsWith('temporalio/ui:'))).toBe(true);
  });

  test.each(services.map((s) => [s.name, s] as const))('%s: an image or a build; pinned images; a build that exists', (_n, s) => {
    expect(s.image !== null || s.build !== null).toBe(true);
    if (s.image && !s.build) expect(s.image).toMatch(/^[a-z0-9./_-]+:(?!latest$)[A-Za-z0-9._-]+$/);
    if (s.build) {
      expect(fs.existsSync(path.join(ROOT, s.build.context, s.build.dockerfile))).toBe(true);
      expect(s.image).toBe('swarmflow:local'); // one tag for every role, so scaled services share the image
    }
  });

  test.each(services.filter((s) => !oneShot(s)).map((s) => [s.name, s] as const))('%s: has a health check', (_n, s) => {
    expect(s.healthcheck).not.toBeNull();
    expect(['CMD', 'CMD-SHELL']).toContain(s.healthcheck?.test[0]);
  });

  test('depends_on names existing services with conditions they can meet; default services never wait for optional ones', () => {
    for (const s of services) {
      for (const [dep, cond] of Object.entries(s.dependsOn)) {
        const d = byName(dep);
        expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(cond);
        if (cond === 'service_healthy') expect({ service: s.name, dep, healthcheck: d.healthcheck !== null }).toEqual({ service: s.name, dep, healthcheck: true });
        if (cond === 'service_completed_successfully') expect({ service: s.name, dep, oneShot: oneShot(d) }).toEqual({ service: s.name, dep, oneShot: true });
        if (s.profiles.length === 0) expect({ service: s.name, dep, profiles: d.profiles }).toEqual({ service: s.name, dep, profiles: [] });
      }
    }
  });

  test('published host ports are unique; scaled services publish none', () => {
    const seen = new Map<number, string>();
    for (const s of services) {
      for (const p of s.ports) {
        expect({ port: p.host, first: seen.get(p.host) ?? s.name }).toEqual({ port: p.host, first: s.name });
        seen.set(p.host, s.name);
      }
    }
    for (const n of ['swarm-worker', 'inference-worker']) expect(byName(n).ports).toEqual([]);
  });

  test('bind mounts exist; named volumes are declared', () => {
    for (const s of services) {
      for (const v of s.volumes) {
        const [src] = v.split(':');
        if (!src) continue;
        if (src.startsWith('.') || src.startsWith('/')) expect({ service: s.name, mount: src, exists: fs.existsSync(path.join(ROOT, src)) }).toEqual({ service: s.name, mount: src, exists: true });
        else expect(compose.volumes).toContain(src);
      }
    }
  });

  test('env files: committed as .example, kept out of git and of the image', () => {
    const dockerignore = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const s of services) {
      for (const f of s.envFiles) {
        expect({ file: `${f.path}.example`, exists: fs.existsSync(path.join(ROOT, `${f.path}.example`)) }).toEqual({ file: `${f.path}.example`, exists: true });
        expect(dockerignore).toContain(`${path.dirname(f.path)}/*.env`);
        expect(fs.readFileSync(path.join(ROOT, path.dirname(f.path), '.gitignore'), 'utf8')).toMatch(/^\*\.env$/m);
        // init-secrets.sh writes each one.
        expect(fs.readFileSync(path.join(ROOT, 'deploy', 'init-secrets.sh'), 'utf8')).toContain(`> ${path.basename(f.path)}`);
      }
    }
  });
});

describe('environment: every variable a process reads is set, and every one set is read', () => {
  const BASE = ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'SWARMFLOW_HOME', 'SWARMFLOW_INFERENCE', 'SWARMFLOW_CODEC_KEYS'];
  const REQUIRED: Record<string, string[]> = {
    api: [...BASE, 'SWARMFLOW_API_KEYS', 'SWARMFLOW_CODEC_TOKENS', 'SWARMFLOW_CODEC_ORIGINS', 'SWARMFLOW_METRICS_PORT'],
    worker: [...BASE, 'SWARMFLOW_METRICS_PORT'],
    sim: [],
  };

  test.each(swarmflow.map((s) => [s.name, s] as const))('%s', (_n, s) => {
    const env = effectiveEnv(s);
    const role = s.command[0] ?? '';
    for (const v of REQUIRED[role] ?? BASE) expect({ service: s.name, variable: v, set: (env[v] ?? '') !== '' }).toEqual({ service: s.name, variable: v, set: true });
    // Set but never read is a typo or a leftover.
    for (const v of Object.keys(env)) expect({ service: s.name, variable: v, readByCode: sourceEnv.has(v) || /_API_KEY$/.test(v) }).toEqual({ service: s.name, variable: v, readByCode: true });
    if (env.TEMPORAL_ADDRESS) {
      const { host, port } = hostPort(env.TEMPORAL_ADDRESS);
      expect(listens(byName(host), port)).toBe(true);
    }
  });

  test('the inference config is mounted where SWARMFLOW_INFERENCE points, is valid, and its endpoints and key names resolve', () => {
    for (const s of swarmflow.filter((x) => effectiveEnv(x).SWARMFLOW_INFERENCE)) {
      const target = effectiveEnv(s).SWARMFLOW_INFERENCE;
      const mount = s.volumes.find((v) => v.split(':')[1] === target);
      expect({ service: s.name, mount: mount ?? null }).toEqual({ service: s.name, mount: expect.any(String) });
      const file = path.join(ROOT, (mount ?? '').split(':')[0] ?? '');
      const config = parseInferenceConfig(fs.readFileSync(file, 'utf8'), file);
      for (const pool of Object.values(config.pools)) {
        for (const ep of pool.endpoints) {
          const u = new URL(ep.url);
          if (compose.services[u.hostname]) expect({ endpoint: ep.name, listens: listens(byName(u.hostname), Number(u.port)) }).toEqual({ endpoint: ep.name, listens: true });
          if (ep.apiKeyEnv) expect({ service: s.name, key: ep.apiKeyEnv, set: ep.apiKeyEnv in effectiveEnv(s) }).toEqual({ service: s.name, key: ep.apiKeyEnv, set: true });
        }
      }
    }
  });

  test('PostgreSQL and Temporal agree on the database and its credentials', () => {
    const pg = services.find((s) => s.image?.startsWith('postgres:'));
    const temporal = services.find((s) => s.image?.startsWith('temporalio/auto-setup') && !oneShot(s));
    if (!pg || !temporal) throw new Error('postgresql and temporal services are expected');
    const pgEnv = effectiveEnv(pg);
    const tEnv = effectiveEnv(temporal);
    expect(pgEnv.POSTGRES_PASSWORD).toBeTruthy();
    expect(tEnv.DB).toBe('postgres12');
    expect(tEnv.POSTGRES_USER).toBe(pgEnv.POSTGRES_USER ?? 'postgres');
    expect(tEnv.POSTGRES_PWD).toBe(pgEnv.POSTGRES_PASSWORD);
    expect(listens(byName(tEnv.POSTGRES_SEEDS ?? ''), Number(tEnv.DB_PORT))).toBe(true);
    // init-secrets.sh gives both variables the same generated password.
    expect(fs.readFileSync(path.join(ROOT, 'deploy', 'init-secrets.sh'), 'utf8')).toMatch(/POSTGRES_PASSWORD=\$\{pg_password\}[\s\S]*POSTGRES_PWD=\$\{pg_password\}/);
  });

  test('the Temporal UI reaches Temporal, and its codec endpoint is a published service that serves /codec to the UI origin', () => {
    const ui = services.find((s) => s.image?.startsWith('temporalio/ui:'));
    if (!ui) throw new Error('a temporal-ui service is expected');
    const env = effectiveEnv(ui);
    const { host, port } = hostPort(env.TEMPORAL_ADDRESS ?? '');
    expect(listens(byName(host), port)).toBe(true);
    // The browser calls the codec endpoint: a published port on the host, not a compose-internal name.
    const codec = new URL(env.TEMPORAL_CODEC_ENDPOINT ?? '');
    expect(codec.pathname).toBe('/codec');
    expect(['localhost', '127.0.0.1']).toContain(codec.hostname);
    const target = services.find((s) => s.ports.some((p) => p.host === Number(codec.port)));
    if (!target) throw new Error(`no service publishes port ${codec.port} of TEMPORAL_CODEC_ENDPOINT`);
    expect(target.command[0]).toBe('api');
    const uiPort = ui.ports[0]?.host;
    const targetEnv = effectiveEnv(target);
    expect((targetEnv.SWARMFLOW_CODEC_ORIGINS ?? '').split(',')).toContain(`http://localhost:${uiPort}`);
    expect(targetEnv.SWARMFLOW_CODEC_KEYS).toBeTruthy();
    expect(targetEnv.SWARMFLOW_CODEC_TOKENS).toBeTruthy();
    // Cookie credentials are how the UI authenticates without an identity provider (/codec/login).
    expect(env.TEMPORAL_CODEC_INCLUDE_CREDENTIALS).toBe('true');
    // And the API really mounts the codec router (runtime/codec) when keys and tokens are set.
    const serverSrc = ['start.ts', 'app.ts'].map((f) => fs.readFileSync(path.join(ROOT, 'server', f), 'utf8')).join('\n');
    expect({ apiMountsCodecRouter: /codecRouterFromEnv|createCodecRouter/.test(serverSrc) }).toEqual({ apiMountsCodecRouter: true });
  });

  test('temporal-setup registers every search attribute swarmflow sets, with its type', () => {
    const setup = byName('temporal-setup');
    const cmd = setup.command.join(' ');
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) expect(cmd).toContain(`--name ${name} --type ${type}`);
    expect(cmd).toContain(`--address ${effectiveEnv(byName('swarm-worker')).TEMPORAL_ADDRESS}`);
  });
});

describe('commands and health checks', () => {
  test.each(swarmflow.map((s) => [s.name, s] as const))('%s: its command is a CLI command with options the CLI declares', (_n, s) => {
    const [name, ...rest] = s.command;
    expect({ service: s.name, command: name, known: cli.has(name ?? '') }).toEqual({ service: s.name, command: name, known: true });
    const opts = cli.get(name ?? '') ?? new Set<string>();
    for (const a of rest.filter((x) => x.startsWith('--'))) expect({ service: s.name, option: a, declared: opts.has(a) }).toEqual({ service: s.name, option: a, declared: true });
  });

  test.each(services.filter((s) => healthUrl(s) !== null).map((s) => [s.name, s] as const))('%s: the health check asks a port the process listens on', (_n, s) => {
    const u = healthUrl(s);
    expect(['127.0.0.1', 'localhost']).toContain(u?.hostname);
    expect(listens(s, Number(u?.port))).toBe(true);
  });

  test('workers health-check the metrics server, the API its open health route', () => {
    for (const n of ['swarm-worker', 'inference-worker']) expect(healthUrl(byName(n))?.pathname).toBe('/health');
    expect(healthUrl(byName('api'))?.pathname).toBe('/v1/health');
  });

  test('Prometheus scrapes real services on their metrics ports', () => {
    const prom: unknown = parse(fs.readFileSync(path.join(ROOT, 'deploy', 'prometheus.yml'), 'utf8'));
    if (!isRecord(prom) || !Array.isArray(prom.scrape_configs)) throw new Error('deploy/prometheus.yml has no scrape_configs');
    let targets = 0;
    for (const job of prom.scrape_configs) {
      if (!isRecord(job)) continue;
      for (const sc of Array.isArray(job.static_configs) ? job.static_configs : []) {
        for (const t of isRecord(sc) && Array.isArray(sc.targets) ? sc.targets : []) {
          const { host, port } = hostPort(String(t));
          expect(listens(byName(host), port)).toBe(true);
          targets++;
        }
      }
      for (const sd of Array.isArray(job.dns_sd_configs) ? job.dns_sd_configs : []) {
        if (!isRecord(sd) || !Array.isArray(sd.names)) continue;
        for (const n of sd.names) {
          expect(listens(byName(String(n)), Number(sd.port))).toBe(true);
          targets++;
        }
      }
    }
    expect(targets).toBe(3);
  });
});

describe('Dockerfile', () => {
  const build = dockerfile.filter((i) => i.stage === 'build');
  const final = dockerfile.filter((i) => i.stage === dockerfile[dockerfile.length - 1]?.stage);

  test('base images are pinned and satisfy engines.node', () => {
    const pkg: unknown = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const want = isRecord(pkg) && isRecord(pkg.engines) ? String(pkg.engines.node) : '';
    const [wantMajor, wantMinor] = (/(\d+)\.(\d+)/.exec(want) ?? []).slice(1).map(Number);
    for (const f of dockerfile.filter((i) => i.op === 'FROM')) {
      const m = /^node:(\d+)\.(\d+)-/.exec(f.args);
      if (!m) throw new Error(`FROM ${f.args}: expected a pinned node:MAJOR.MINOR-... image`);
      const [major, minor] = [Number(m[1]), Number(m[2])];
      expect(major > (wantMajor ?? 0) || (major === wantMajor && minor >= (wantMinor ?? 0))).toBe(true);
    }
  });

  test('COPY sources exist and are not excluded by .dockerignore; the build stage has every TypeScript source folder', () => {
    const ignored = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const copied: string[] = [];
    for (const c of dockerfile.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
      const parts = c.args.split(/\s+/);
      for (const src of parts.slice(0, -1)) {
        expect({ copy: src, exists: fs.existsSync(path.join(ROOT, src)) }).toEqual({ copy: src, exists: true });
        expect({ copy: src, ignored: ignored.includes(src) }).toEqual({ copy: src, ignored: false });
        if (c.stage === 'build') copied.push(src.replace(/\/$/, ''));
      }
    }
    const tsBuild: unknown = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8'));
    const include = isRecord(tsBuild) && Array.isArray(tsBuild.include) ? tsBuild.include.map((x) => String(x).split('/')[0]) : [];
    expect(include.length).toBeGreaterThan(0);
    for (const dir of include) expect(copied).toContain(dir);
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']));
  });

  test('RUN builds what the image runs: node scripts exist as sources, the vite config exists', () => {
    const run = build.filter((i) => i.op === 'RUN').map((i) => i.args).join(' && ');
    for (const m of run.matchAll(/\bnode (dist\/[\w/.-]+)\.js\b/g)) {
      const src = `${(m[1] ?? '').slice('dist/'.length)}.ts`;
      expect({ script: m[1], source: src, exists: fs.existsSync(path.join(ROOT, src)) }).toEqual({ script: m[1], source: src, exists: true });
    }
    expect(run).toContain('npm run build');
    expect(run).toMatch(/dist\/workflow-bundle\.js/);
    expect(run).toMatch(/dist\/workflow-bundle-encrypted\.js/);
    const vite = /--config (\S+)/.exec(run)?.[1];
    expect(vite && fs.existsSync(path.join(ROOT, vite))).toBe(true);
    expect(fs.existsSync(path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'))).toBe(true);
  });

  test('the final stage copies only what the build stage has, and its entrypoint and default command are real', () => {
    const produced = new Set(['node_modules', 'dist', 'editor/dist', ...build.filter((i) => i.op === 'COPY').flatMap((i) => i.args.split(/\s+/).slice(0, -1))]);
    for (const c of final.filter((i) => i.op === 'COPY')) {
      const m = /^--from=build \/app\/(\S+)/.exec(c.args);
      expect({ copy: c.args, fromBuild: m !== null && produced.has(m[1] ?? '') }).toEqual({ copy: c.args, fromBuild: true });
    }
    const entry = execForm(final.find((i) => i.op === 'ENTRYPOINT')?.args ?? '');
    expect(entry).toEqual(['node', 'bin/swarmflow.js']);
    expect(fs.readFileSync(path.join(ROOT, 'bin', 'swarmflow.js'), 'utf8')).toContain("'dist', 'cli', 'index.js'");
    expect(fs.existsSync(path.join(ROOT, 'cli', 'index.ts'))).toBe(true);
    const cmd = execForm(final.find((i) => i.op === 'CMD')?.args ?? '');
    expect(cli.has(cmd?.[0] ?? '')).toBe(true);
    expect(final.some((i) => i.op === 'USER' && i.args !== 'root')).toBe(true);
  });

  test('EXPOSE lists the ports the swarmflow services listen on', () => {
    const exposed = new Set(dockerfile.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/).map(Number)));
    for (const s of swarmflow) {
      const env = effectiveEnv(s);
      const i = s.command.indexOf('--port');
      if (i >= 0) expect(exposed.has(Number(s.command[i + 1]))).toBe(true);
      if (env.SWARMFLOW_METRICS_PORT) expect(exposed.has(Number(env.SWARMFLOW_METRICS_PORT))).toBe(true);
    }
  });
});

describe('deploy/ files', () => {
  test('the env examples name every secret, with placeholders rather than values', () => {
    const sw = readEnvFile(path.join(ROOT, 'deploy', 'swarmflow.env.example'));
    for (const k of ['SWARMFLOW_CODEC_KEYS', 'SWARMFLOW_CODEC_TOKENS', 'SWARMFLOW_API_KEYS']) expect(sw[k]).toMatch(/REPLACE_WITH/);
    const pg = readEnvFile(path.join(ROOT, 'deploy', 'postgres.env.example'));
    for (const k of ['POSTGRES_PASSWORD', 'POSTGRES_PWD']) expect(pg[k]).toMatch(/REPLACE_WITH/);
  });

  test('the temporal dynamic config mounted into the server exists under the name DYNAMIC_CONFIG_FILE_PATH gives', () => {
    const t = services.find((s) => s.image?.startsWith('temporalio/auto-setup') && !oneShot(s));
    const rel = effectiveEnv(t ?? byName('temporal')).DYNAMIC_CONFIG_FILE_PATH ?? '';
    const mount = t?.volumes.find((v) => v.includes('/etc/temporal/config/dynamicconfig')) ?? '';
    const [hostDir, containerDir] = mount.split(':');
    expect(containerDir).toBe('/etc/temporal/config/dynamicconfig');
    expect(rel.startsWith('config/dynamicconfig/')).toBe(true);
    expect(fs.existsSync(path.join(ROOT, hostDir ?? '', path.basename(rel)))).toBe(true);
    expect(isRecord(parse(fs.readFileSync(path.join(ROOT, hostDir ?? '', path.basename(rel)), 'utf8')))).toBe(true);
  });
});
