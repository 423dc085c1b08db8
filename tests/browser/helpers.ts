/**
 * Shared pieces of the editor's browser tests: the built editor, Debian's
 * Chromium through playwright-core, screenshots under
 * tests/artifacts/screenshots/, and a read-only look at the document.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { ensureEditorBuilt as buildIfStale } from '../../editor/build/serve';

export const ROOT = path.resolve(__dirname, '..', '..');
export const DIST = path.join(ROOT, 'editor', 'dist');
export const SCREENSHOTS = path.join(ROOT, 'tests', 'artifacts', 'screenshots');
export const CHROMIUM = process.env.SWARMFLOW_CHROMIUM ?? '/usr/bin/chromium';
export const VIEWPORT = { width: 1280, height: 800 };

declare global {
  interface Window {
    swarmflow?: {
      text(): string;
      nodes(): number;
      diagnostics(): { line: number; col: number; message: string; code: string; ptr: string }[];
    };
  }
}

/** Thrown when Chromium is not installed: the bootstrap's --browser flag installs it. */
export class NoChromiumError extends Error {
  constructor() {
    super(`no Chromium at ${CHROMIUM}: run \`node scripts/bootstrap.js --browser\` (Debian's chromium package), or set SWARMFLOW_CHROMIUM`);
    this.name = 'NoChromiumError';
  }
}

/** Builds editor/dist when it is missing or older than its sources (the bootstrap normally did it already). */
export function ensureEditorBuilt(): void {
  buildIfStale(ROOT);
}

export async function launch(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new NoChromiumError();
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
}

/** A fresh page (own storage) at 1280x800 that fails the test on page errors. */
export async function openEditor(browser: Browser, url: string): Promise<{ page: Page; errors: string[]; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  await page.goto(url);
  await page.waitForFunction(() => window.swarmflow !== undefined && document.querySelector('.react-flow__node') !== null);
  return { page, errors, close: () => context.close() };
}

export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

export async function editorText(page: Page): Promise<string> {
  const t = await page.evaluate(() => window.swarmflow?.text() ?? null);
  if (t === null) throw new Error('the editor exposes no window.swarmflow');
  return t;
}

export async function importFile(page: Page, file: string): Promise<void> {
  await page.setInputFiles('[data-testid=import-input]', file);
  const text = fs.readFileSync(file, 'utf8');
  await page.waitForFunction((t) => window.swarmflow?.text() === t, text);
}

/** Waits until validation has answered for the current text with `n` problems (or any number, with n = -1). */
export async function waitForProblems(page: Page, n: number): Promise<number> {
  await page.waitForFunction((want) => {
    const el = document.querySelector('[data-testid=problem-count]');
    const checking = document.querySelector('.problems .checking');
    return el !== null && !checking && (want < 0 || el.textContent === String(want));
  }, n);
  return Number(await page.textContent('[data-testid=problem-count]'));
}

export function node(ptr: string): string {
  return `.react-flow__node [data-ptr="${ptr}"]`;
}
