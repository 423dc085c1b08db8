/**
 * `swarmflow`: the command line. Each command is a function that returns
 * its exit code; this file only wires them to commander and turns every
 * error into one line (exit 2 for usage, 1 otherwise), never a stack trace.
 */
import { Command, CommanderError, Option } from 'commander';
import { ApiClientError } from './api-client';
import { oneLine, processIo, UsageError } from './io';
import type { GlobalOpts } from './runs';
import { dataPaths } from '../runtime/config';

const io = processIo;

// Commands load what they need when they run, so `validate` does not start Temporal's native bridge.
/* eslint-disable @typescript-eslint/no-require-imports */
const runs = async (): Promise<typeof import('./runs')> => require('./runs') as typeof import('./runs');
const dev = async (): Promise<typeof import('./dev')> => require('./dev') as typeof import('./dev');
const apiMode = async (): Promise<typeof import('./api-mode')> => require('./api-mode') as typeof import('./api-mode');
const lazy = {
  validate: async (): Promise<typeof import('./validate')> => require('./validate') as typeof import('./validate'),
  compile: async (): Promise<typeof import('./compile')> => require('./compile') as typeof import('./compile'),
  sim: async (): Promise<typeof import('./sim')> => require('./sim') as typeof import('./sim'),
  skills: async (): Promise<typeof import('./skills')> => require('./skills') as typeof import('./skills'),
  pool: async (): Promise<typeof import('./pool')> => require('./pool') as typeof import('./pool'),
  services: async (): Promise<typeof import('../runtime/services')> => require('../runtime/services') as typeof import('../runtime/services'),
  stack: async (): Promise<typeof import('../runtime/stack')> => require('../runtime/stack') as typeof import('../runtime/stack'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

function program(): Command {
  const p = new Command('swarmflow')
    .description('Durable LLM agent swarms on Temporal: validate, compile, run and inspect swarm definitions.')
    .option('--json', 'print JSON for scripts')
    .option('--api <url>', 'talk to a swarmflow API server instead of Temporal directly')
    .option('--home <dir>', 'data directory (default: .swarmflow, or $SWARMFLOW_HOME)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const g = (): GlobalOpts => p.opts<GlobalOpts>();
  let code = 0;
  const set = (c: number): void => {
    code = c;
  };

  p.command('validate')
    .argument('<files...>', 'swarm definitions (.swarm.yaml)')
    .description('check definitions; errors print as file:line:col: message')
    .addHelpText('after', '\nExit codes: 0 valid, 1 invalid, 2 usage.\nExample:\n  $ swarmflow validate examples/*.swarm.yaml')
    .action(async (files: string[]) => set(g().api ? await (await apiMode()).apiValidate(files, g(), io) : await (await lazy.validate()).validateCommand(files, io, { json: g().json })));

  p.command('compile')
    .argument('<file>', 'a swarm definition')
    .option('-o, --out <file>', 'write the IR here instead of printing it')
    .description('compile a definition to its IR (JSON)')
    .addHelpText('after', '\nExample:\n  $ swarmflow compile examples/hello.swarm.yaml -o hello.ir.json')
    .action(async (file: string, o: { out?: string }) => set(g().api ? await (await apiMode()).apiCompile(file, o, g(), io) : await (await lazy.compile()).compileCommand(file, io, { out: o.out })));

  p.command('run')
    .argument('<file>', 'a swarm definition')
    .option('--input <json>', 'run input as JSON, or @file.json')
    .option('--follow', 'show live progress until the run ends')
    .option('--wait', 'wait for the result and print it')
    .option('--id <id>', 'run id (default: random); the workflow id is <swarm>/<id>')
    .description('start a run')
    .addHelpText('after', `\nExit codes (with --wait or --follow): 0 succeeded, 1 failed, 3 cancelled or timed out.\nExample:\n  $ swarmflow run examples/hello.swarm.yaml --input '{"name":"Ada"}' --wait`)
    .action(async (file: string, o: { input?: string; follow?: boolean; wait?: boolean; id?: string }) => set(g().api ? await (await apiMode()).apiRun(file, o, g(), io) : await (await runs()).runCommand(file, o, g(), io)));

  p.command('status').argument('<run-id>').description("a run's state and progress").action(async (id: string) => set(g().api ? await (await apiMode()).apiStatus(id, g(), io) : await (await runs()).statusCommand(id, g(), io)));
  p.command('ls')
    .option('--limit <n>', 'how many runs', '20')
    .option('--swarm <name>', 'only runs of this swarm')
    .description('recent runs')
    .action(async (o: { limit?: string; swarm?: string }) => set(g().api ? await (await apiMode()).apiLs(o, g(), io) : await (await runs()).lsCommand(o, g(), io)));
  p.command('signal')
    .argument('<run-id>')
    .argument('<name>', 'the signal a waitFor step waits for, e.g. approve')
    .option('--payload <json>', 'the signal payload (the waitFor step output)')
    .description('send a signal, e.g. approve a waitFor step')
    .addHelpText('after', `\nExample:\n  $ swarmflow signal repo-refactor/4f2a9c1b7e01 approve --payload '{"approved":true}'`)
    .action(async (id: string, name: string, o: { payload?: string }) => set(g().api ? await (await apiMode()).apiSignal(id, name, o, g(), io) : await (await runs()).signalCommand(id, name, o, g(), io)));
  p.command('cancel').argument('<run-id>').description('graceful cancellation').action(async (id: string) => set(g().api ? await (await apiMode()).apiCancel(id, g(), io) : await (await runs()).cancelCommand(id, g(), io)));
  p.command('rerun')
    .argument('<run-id>')
    .requiredOption('--from <step>', 'the first top-level step to run again')
    .option('--follow', 'show live progress')
    .option('--wait', 'wait for the result')
    .description('a new run of the same IR reusing the recorded outputs of the steps before --from')
    .action(async (id: string, o: { from: string; follow?: boolean; wait?: boolean }) => {
      if (g().api) throw new UsageError('rerun talks to Temporal directly: drop --api (set TEMPORAL_ADDRESS instead)');
      set(await (await runs()).rerunCommand(id, o, g(), io));
    });
  p.command('history')
    .argument('<run-id>')
    .option('-o, --output <file>', 'write to this file')
    .description('export the full event history: every continue-as-new execution and every child')
    .action(async (id: string, o: { output?: string }) => set(g().api ? await (await apiMode()).apiHistory(id, o, g(), io) : await (await runs()).historyCommand(id, o, g(), io)));
  p.command('replay')
    .argument('<files...>', 'exported histories')
    .description('replay exported histories against the current workflow code')
    .addHelpText('after', '\nExit codes: 0 all replay identically, 1 a history diverged (the first divergence is printed).')
    .action(async (files: string[]) => set(await (await runs()).replayCommand(files, g(), io)));

  const skills = p.command('skills').description('the Skill store: list, show, import');
  const skillsRun = async (sub: string, args: string[], o: { name?: string } = {}): Promise<void> => {
    const settings = (await runs()).resolveSettings(g());
    const dir = dataPaths(settings.home).skills;
    // Importing a plain document asks a model: the configured pool (the simulated one under `swarmflow dev`).
    const services = sub === 'import' ? await (await lazy.services()).buildWorkerServices({ ...settings, simUrl: settings.simUrl ?? (await lazy.stack()).readDevInfo(settings.home)?.simUrl ?? null }) : null;
    try {
      set(await (await lazy.skills()).skillsCommand(sub, args, io, { json: g().json, dir, name: o.name, chat: services ? (req: Parameters<typeof services.chat>[0]) => services.chat(req, {}) : undefined }));
    } finally {
      await services?.close();
    }
  };
  skills.command('ls').description('skills and their latest versions').action(async () => skillsRun('ls', []));
  skills
    .command('show')
    .argument('<ref>', 'NAME or NAME@RANGE, e.g. ts-refactor@^1')
    .description("a skill's SKILL.md")
    .action(async (ref: string) => skillsRun('show', [ref]));
  skills
    .command('import')
    .argument('<file>', 'a SKILL.md (Agent Skills layout) or a plain Markdown document')
    .option('--name <name>', 'store it under this name')
    .description('turn a document into a Skill (a plain document goes through the model)')
    .action(async (file: string, o: { name?: string }) => skillsRun('import', [file], o));

  p.command('pool')
    .description('the inference pool')
    .command('status')
    .option('--config <file>', 'inference.yaml (default: $SWARMFLOW_INFERENCE, ./inference.yaml, or the simulated model)')
    .description('endpoints: health, in flight, latency p50/p95, tokens/s')
    .action(async (o: { config?: string }) => {
      const settings = (await runs()).resolveSettings(g());
      set(await (await lazy.pool()).poolStatusCommand(io, { json: g().json, config: o.config, simUrl: settings.simUrl ?? (await lazy.stack()).readDevInfo(settings.home)?.simUrl ?? undefined }));
    });

  p.command('dev')
    .option('--port <n>', 'Temporal frontend port', '7233')
    .option('--ui-port <n>', 'Temporal Web UI port', '8233')
    .option('--api-port <n>', 'API server port', '8787')
    .option('--sim-port <n>', 'simulated model server port', '8788')
    .option('--no-ui', 'no Temporal Web UI')
    .description('start the embedded stack: Temporal dev server, simulated model, workers, API; Ctrl-C stops it')
    .action(async (o: { port?: string; uiPort?: string; apiPort?: string; simPort?: string; ui?: boolean }) => set(await (await dev()).devCommand(o, g(), io)));
  p.command('demo')
    .option('--file <swarm>', 'the definition to run (default: examples/research.swarm.yaml)')
    .option('--input <json>', 'run input')
    .description('start the embedded stack, run one example with live progress, stop')
    .action(async (o: { file?: string; input?: string }) => set(await (await dev()).demoCommand(o, g(), io)));
  p.command('api')
    .option('--port <n>', 'port', '8787')
    .option('--host <host>', 'address to bind (a non-loopback address needs SWARMFLOW_API_KEYS)', '127.0.0.1')
    .description('run the REST API server (and the editor) against TEMPORAL_ADDRESS')
    .action(async (o: { port: string; host: string }) => set(await (await dev()).apiCommand(o, g(), io)));
  p.command('worker')
    .option('--inference', 'run the inference workers (LLM activities) for every configured pool')
    .option('--swarm', 'with --inference: also run the swarm worker')
    .description('run workers against TEMPORAL_ADDRESS (production)')
    .action(async (o: { inference?: boolean; swarm?: boolean }) => set(await (await dev()).workerCommand(o, g(), io)));
  p.command('sim')
    .addOption(new Option('--port <n>', 'port (0: a free one)').default('8788'))
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--seed <n>', 'seed of the deterministic answers', '0')
    .option('--latency <ms>', 'added latency per call', '0')
    .description('run the simulated OpenAI-compatible model server')
    .action(async (o: { port: string; host: string; seed: string; latency: string }) => {
      await (await lazy.sim()).simCommand({ port: Number(o.port), host: o.host, seed: Number(o.seed), latencyMs: Number(o.latency) });
      set(0);
    });
  return Object.assign(p, { exitCode: () => code });
}

export async function main(argv: string[]): Promise<number> {
  const p = program() as Command & { exitCode(): number };
  try {
    await p.parseAsync(argv, { from: 'user' });
    return p.exitCode();
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    if (err instanceof ApiClientError) return (await apiMode()).apiErrorExit(err, io);
    if (err instanceof UsageError) {
      io.err(`error: ${err.message}`);
      return 2;
    }
    io.err(`error: ${oneLine(err)}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      io.err(`error: ${oneLine(err)}`);
      process.exit(1);
    },
  );
}
