/**
 * The editor against the real stack (runtime/stack.ts: Temporal dev server,
 * simulated model, workers, the API server that serves the editor): save a
 * definition with its layout and open it again, start a run from the Run
 * form, watch the overlay (statuses, sub-agents, tokens) reach "succeeded",
 * approving the waitFor step from the canvas on the way.
 *
 * Needs Temporal (skipped with SWARMFLOW_TEST_NO_TEMPORAL=1) and the API
 * server (server/start.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startStack } from '../../runtime/stack';
import type { Stack } from '../../runtime/stack';
import { ROOT, editorText, ensureEditorBuilt, importFile, launch, node, openEditor, shot, waitForProblems } from './helpers';

const FIXTURE = path.join(__dirname, 'fixtures', 'overlay.swarm.yaml');
const WIDE = path.join(__dirname, 'fixtures', 'wide.swarm.yaml');
const hasApi = fs.existsSync(path.join(ROOT, 'server', 'start.ts'));
const run = !process.env.SWARMFLOW_TEST_NO_TEMPORAL && hasApi ? describe : describe.skip;

run('the editor on the running stack', () => {
  let stack: Stack;
  let browser: Browser;
  let api: string;

  beforeAll(async () => {
    ensureEditorBuilt();
    stack = await startStack({ home: fs.mkdtempSync(path.join(os.tmpdir(), 'swarmflow-editor-e2e-')), ui: true });
    if (!stack.apiUrl) throw new Error('the stack started without its API server: server/start.ts must export startApiServer');
    api = stack.apiUrl;
    browser = await launch();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  async function withEditor(fn: (page: Page) => Promise<void>): Promise<void> {
    const ed = await openEditor(browser, api + '/');
    try {
      await fn(ed.page);
      expect(ed.errors).toEqual([]);
    } catch (err) {
      if (ed.errors.length > 0) console.error(`page errors:\n${ed.errors.join('\n')}`);
      await shot(ed.page, `FAILED-e2e-${expect.getState().currentTestName?.replace(/[^a-z0-9]+/gi, '_').slice(0, 50) ?? 'test'}`);
      throw err;
    } finally {
      await ed.close();
    }
  }

  test('save stores the definition and its layout; open brings both back', async () => {
    const text = fs.readFileSync(FIXTURE, 'utf8');
    await withEditor(async (page) => {
      await importFile(page, FIXTURE);
      await waitForProblems(page, 0);
      // Move the first step sideways: a position, not a new order.
      const box = await page.locator(node('/steps/0')).boundingBox();
      if (!box) throw new Error('plan is not on screen');
      await page.mouse.move(box.x + box.width / 2, box.y + 20);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2 + 60, box.y + 22, { steps: 8 });
      await page.mouse.up();
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.waitForSelector('.toast >> text=/Saved editor-e2e v1/');
      await shot(page, 'e2e-saved');
    });
    const stored: unknown = await (await fetch(`${api}/v1/swarms/editor-e2e`)).json();
    expect(stored).toMatchObject({ name: 'editor-e2e', version: 1, yaml: text, layout: { '/steps/0': { x: expect.any(Number), y: expect.any(Number) } } });

    await withEditor(async (page) => {
      await page.getByRole('button', { name: 'Open…' }).click();
      await page.getByRole('dialog').getByRole('button', { name: /editor-e2e/ }).click();
      await page.waitForFunction((t) => window.swarmflow?.text() === t, text);
      await page.waitForSelector('.toast >> text=/Opened editor-e2e v1/');
      expect(await editorText(page)).toBe(text);
    });
  }, 120_000);

  test('a run from the Run form: live overlay, sub-agents, approve from the canvas, succeeded', async () => {
    await withEditor(async (page) => {
      await importFile(page, FIXTURE);
      await waitForProblems(page, 0);
      await page.locator('.run-button').click();
      await page.getByLabel(/topic/).fill('bees');
      await page.getByRole('button', { name: 'Start run' }).click();
      await page.waitForSelector('[data-testid=run-bar]');
      const runId = (await page.getAttribute('.run-id', 'title')) ?? '';
      expect(runId).toMatch(/^editor-e2e\/[0-9a-f]{12}$/);

      // The run waits for the approval: the waitFor node offers it.
      await page.waitForSelector(`${node('/steps/2')} .status-running`, { timeout: 60_000 });
      await page.waitForSelector(`${node('/steps/0')} [data-status=succeeded]`);
      await page.waitForSelector(`${node('/steps/1')} [data-testid=subagent-counts]`);
      await expect(page.textContent(`${node('/steps/1')} [data-testid=subagent-counts]`)).resolves.toMatch(/3 done/);
      await expect(page.textContent(`${node('/steps/3')} .status`)).resolves.toBe('pending');
      const ui = await page.getAttribute('[data-testid=run-bar] a', 'href');
      expect(ui).toBe(`${stack.temporal.uiUrl}/namespaces/default/workflows/${encodeURIComponent(runId)}`);
      await shot(page, 'e2e-waiting-for-approval');

      await page.getByRole('button', { name: /Show the 3 sub-agents of fan/ }).click();
      await expect(page.locator('[data-testid=subagent-grid] li').count()).resolves.toBe(3);
      await shot(page, 'e2e-subagents');
      await page.getByRole('button', { name: 'Close' }).click();

      await page.getByRole('button', { name: /Approve Human review/ }).click();
      await page.waitForSelector('[data-testid=run-status]:text("succeeded")', { timeout: 60_000 });
      for (const ptr of ['/steps/0', '/steps/1', '/steps/1/do/0', '/steps/2', '/steps/3']) {
        await page.waitForSelector(`${node(ptr)} [data-status=succeeded]`);
      }
      const tokens = Number((await page.textContent('[data-testid=run-tokens]'))?.replace(/,/g, ''));
      expect(tokens).toBeGreaterThan(0);
      await shot(page, 'e2e-succeeded');
    });
  }, 180_000);

  test('300 sub-agents of a forEach are readable at once', async () => {
    await withEditor(async (page) => {
      await importFile(page, WIDE);
      await waitForProblems(page, 0);
      await page.locator('.run-button').click();
      await page.locator('#in-items').fill(JSON.stringify(Array.from({ length: 300 }, (_, i) => i)));
      await page.getByRole('button', { name: 'Start run' }).click();
      await page.waitForSelector('[data-testid=run-status]:text("succeeded")', { timeout: 150_000 });
      await page.getByRole('button', { name: /Show the 300 sub-agents of fan/ }).click();
      const cells = page.locator('[data-testid=subagent-grid] li');
      await expect(cells.count()).resolves.toBe(300);
      // All 300 inside the dialog without scrolling, each with its index, status, turns and tokens.
      const fits = await page.evaluate(() => {
        const grid = document.querySelector('[data-testid=subagent-grid]');
        const body = grid?.closest('.dialog-body');
        if (!grid || !body) return false;
        const last = grid.lastElementChild?.getBoundingClientRect();
        return body.scrollHeight <= body.clientHeight + 1 && last !== undefined && last.bottom <= window.innerHeight;
      });
      expect(fits).toBe(true);
      await expect(cells.nth(299).getAttribute('aria-label')).resolves.toMatch(/^sub-agent 299: succeeded, \d+ turns, \d+ tokens$/);
      await shot(page, 'e2e-300-subagents');
    });
  }, 240_000);
});
