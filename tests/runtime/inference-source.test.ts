/**
 * SWARMFLOW_INFERENCE may hold a path or the configuration text itself
 * (docs/inference.md); the worker and API services once read it as a path
 * always, so text failed as "error: /cwd/pools:".
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildWorkerServices, inferenceConfigFrom, isConfigText } from '../../runtime/services';
import { settingsFromEnv } from '../../runtime/config';

const YAML = 'pools:\n  fast:\n    endpoints:\n      - { name: a, kind: sim, url: "http://127.0.0.1:9/v1" }\n';

test('text or path: newline, JSON, a YAML document or mapping start is text; anything else a path', () => {
  for (const t of [YAML, '{"pools": {}}', '---\npools: {}', 'pools: { fast: { endpoints: [] } }', '  pools:\n']) expect(isConfigText(t)).toBe(true);
  for (const p of ['inference.yaml', '/etc/swarmflow/inference.yaml', './conf/pools.yaml', 'C:\\swarmflow\\inference.yaml', 'my:file.yaml']) expect(isConfigText(p)).toBe(false);
});

test('YAML text in the setting is the configuration', () => {
  const c = inferenceConfigFrom(YAML, null);
  expect(c.source).toBe('$SWARMFLOW_INFERENCE');
  expect(Object.keys(c.pools)).toEqual(['fast']);
});

test('JSON text on one line is the configuration too', () => {
  const c = inferenceConfigFrom(JSON.stringify({ pools: { j: { endpoints: [{ name: 'a', kind: 'sim', url: 'http://127.0.0.1:9/v1' }] } } }), null);
  expect(Object.keys(c.pools)).toEqual(['j']);
});

test('a path is read as a file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-inf-'));
  try {
    const file = path.join(dir, 'inference.yaml');
    fs.writeFileSync(file, YAML);
    expect(inferenceConfigFrom(file, null).source).toBe(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('errors say which reading was tried', () => {
  expect(() => inferenceConfigFrom('/nowhere/inference.yaml', null)).toThrow(/\/nowhere\/inference\.yaml:1:1: cannot read the inference configuration.*read as a file path/);
  expect(() => inferenceConfigFrom('pools:\n  fast: 3\n', null)).toThrow(/\$SWARMFLOW_INFERENCE:2:\d+: .*read as configuration text/);
});

test('no setting: the simulated server', () => {
  expect(inferenceConfigFrom(null, 'http://127.0.0.1:9/v1').source).toBe('built-in (simulated)');
});

test('the worker services take YAML text from SWARMFLOW_INFERENCE (the chaos suite had to write it to a file)', async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-inf-home-'));
  const services = await buildWorkerServices(settingsFromEnv({ SWARMFLOW_INFERENCE: YAML, SWARMFLOW_HOME: home }));
  try {
    expect(Object.keys(services.poolSlots)).toEqual(['fast']);
  } finally {
    await services.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
});
