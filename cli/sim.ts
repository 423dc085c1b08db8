/**
 * `swarmflow sim`: runs the simulated model server in the foreground until
 * Ctrl-C (SIGINT) or SIGTERM, printing the base URL to point clients at.
 */
import { startSimServer } from '../sim/server';

export interface SimCommandOptions {
  port?: number;
  host?: string;
  seed?: number;
  latencyMs?: number;
}

export async function simCommand(opts: SimCommandOptions = {}): Promise<void> {
  const sim = await startSimServer({
    port: opts.port ?? 0,
    host: opts.host ?? '127.0.0.1',
    seed: opts.seed ?? 0,
    latencyMs: opts.latencyMs ?? 0,
  });
  process.stdout.write(`simulated model server: ${sim.url}  (health ${sim.url.replace(/\/v1$/, '')}/health)\n`);
  process.stdout.write('answers are labelled [simulated]; Ctrl-C stops it\n');
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      sim.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
