/**
 * Benchmark of the editor: a generated 1,000-step definition opened in
 * headless Chromium (the built editor, served as static files with the API
 * server's CSP). Figures, in milliseconds from navigation start, medians of
 * fresh page loads:
 * - firstRenderMs: the canvas has drawn the graph (the app's
 *   `swarmflow:first-render` mark);
 * - interactiveMs: the canvas has drawn and the YAML editor exists, so both
 *   views take input (`swarmflow:interactive`); target for both: under 1.5 s;
 * - validatedMs: the dsl/ validator (in a worker) has answered for the whole
 *   text and its problems are shown (`swarmflow:validated`);
 * - selectMs: a click on a node until it shows selected (with its form and
 *   YAML line), as seen from the test driver.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { ensureEditorBuilt, serveStatic } from '../editor/build/serve';
import { generateDefinition } from '../editor/src/model/generate';
import { projectRoot } from '../runtime/root';

export interface EditorBenchOptions {
  /** Steps in the generated definition (default 1,000). */
  steps?: number;
  /** Page loads measured (default 3). */
  runs?: number;
  chromium?: string;
}

export interface EditorFigure {
  name: string;
  figures: Record<string, number>;
  targets: Record<string, ['<=' | '>=', number]>;
  notes: string[];
}

/** Thrown when the page does not reach a state in time: names the state. */
export class EditorBenchError extends Error {
  constructor(what: string) {
    super(`editor benchmark: ${what}`);
    this.name = 'EditorBenchError';
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return Math.round(s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2);
}

interface Sample {
  firstRenderMs: number;
  interactiveMs: number;
  validatedMs: number;
  selectMs: number;
}

async function once(browser: Browser, url: string, text: string): Promise<Sample> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    // The definition is the browser's saved draft, so the measured load is the editor opening it.
    await context.addInitScript((draft: string) => localStorage.setItem('swarmflow.draft', draft), JSON.stringify({ text, layout: {}, stored: null }));
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    const mark = async (name: string): Promise<number> => {
      const handle = await page.waitForFunction((n) => performance.getEntriesByName(n)[0]?.startTime ?? null, name, { timeout: 60_000 }).catch(() => null);
      const v: unknown = handle ? await handle.jsonValue() : null;
      if (typeof v !== 'number') throw new EditorBenchError(`the page never set the ${name} mark${errors.length ? ` (page errors: ${errors.join('; ')})` : ''}`);
      return v;
    };
    const firstRenderMs = await mark('swarmflow:first-render');
    const interactiveMs = await mark('swarmflow:interactive');
    const validatedMs = await mark('swarmflow:validated');
    const problems = await page.textContent('[data-testid=problem-count]');
    if (problems !== '0') throw new EditorBenchError(`the generated definition shows ${problems ?? '?'} problems; it must be valid`);
    const target = page.locator('.react-flow__node [data-ptr="/steps/2"] .node-title');
    const t0 = Date.now();
    await target.click();
    await page.waitForSelector('.react-flow__node [data-ptr="/steps/2"].selected');
    const selectMs = Date.now() - t0;
    return { firstRenderMs, interactiveMs, validatedMs, selectMs };
  } finally {
    await context.close();
  }
}

export async function benchEditor(o: EditorBenchOptions = {}): Promise<EditorFigure> {
  const steps = o.steps ?? 1000;
  const runs = Math.max(1, o.runs ?? 3);
  const executablePath = o.chromium ?? process.env.SWARMFLOW_CHROMIUM ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) throw new EditorBenchError(`no Chromium at ${executablePath}: run \`node scripts/bootstrap.js --browser\``);
  const dist = ensureEditorBuilt(projectRoot());
  const server = await serveStatic(dist);
  const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
  try {
    const text = generateDefinition(steps, 'bench-editor');
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) samples.push(await once(browser, server.url, text));
    return {
      name: `editor: open a ${steps.toLocaleString('en-US')}-step definition`,
      figures: {
        steps,
        yamlBytes: Buffer.byteLength(text),
        firstRenderMs: median(samples.map((s) => s.firstRenderMs)),
        interactiveMs: median(samples.map((s) => s.interactiveMs)),
        validatedMs: median(samples.map((s) => s.validatedMs)),
        selectMs: median(samples.map((s) => s.selectMs)),
      },
      targets: { firstRenderMs: ['<=', 1500], interactiveMs: ['<=', 1500] },
      notes: [
        `medians of ${runs} fresh page loads in headless Chromium at 1280x800 (software rendering), from navigation start`,
        `machine load average ${os.loadavg()[0]?.toFixed(1) ?? '?'} on ${os.cpus().length} CPUs while measuring: wall-clock figures grow with it`,
      ],
    };
  } finally {
    await browser.close();
    await server.close();
  }
}
