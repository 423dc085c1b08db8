import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { startStack } from '../../runtime/stack';
test('e2e manual', async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-ed-'));
  const stack = await startStack({ home, log: (l) => console.log(l) });
  try {
    console.log('api', stack.apiUrl);
    const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
    const p = await b.newPage({ viewport: { width: 1280, height: 800 } });
    p.on('console', (m) => console.log('console', m.type(), m.text()));
    p.on('pageerror', (e) => console.log('pageerror', e.message));
    p.on('response', (r) => { if (r.url().includes('/v1/')) console.log('resp', r.request().method(), r.url(), r.status()); });
    await p.goto(stack.apiUrl!);
    await p.setInputFiles('[data-testid=import-input]', path.join(__dirname, 'fixtures/overlay.swarm.yaml'));
    await p.waitForTimeout(1500);
    await p.click('text=Save');
    await p.waitForTimeout(1000);
    await p.screenshot({ path: '/tmp/exp/e2e-saved.png' });
    await p.click('.run-button');
    await p.fill('#in-topic', 'bees');
    await p.click('text=Start run');
    await p.waitForTimeout(8000);
    await p.screenshot({ path: '/tmp/exp/e2e-running.png' });
    const approve = p.locator('button.approve');
    console.log('approve count', await approve.count());
    if (await approve.count()) await approve.click();
    await p.waitForTimeout(6000);
    await p.screenshot({ path: '/tmp/exp/e2e-done.png' });
    await b.close();
  } finally {
    await stack.stop();
  }
}, 180000);
