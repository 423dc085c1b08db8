/** inference.yaml: schema validation with located errors, defaults, sources, the built-in sim default. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { InferenceConfigError, loadInferenceConfig, parseInferenceConfig } from '../../activities/inference/config';

function errorsOf(text: string, opts: { simUrl?: string } = {}): string[] {
  try {
    parseInferenceConfig(text, 'inference.yaml', opts);
  } catch (e) {
    if (e instanceof InferenceConfigError) return e.message.split('\n');
    throw e;
  }
  throw new Error('expected an InferenceConfigError');
}

describe('inference config', () => {
  test('fills defaults and keeps declared settings', () => {
    const cfg = parseInferenceConfig(
      [
        'pools:',
        '  default:',
        '    endpoints:',
        '      - name: gpu-a',
        '        url: http://gpu-a.internal:8000/v1/',
        '        kind: vllm',
        '        models: [kimi-k2.6]',
        '        servedModels: { kimi-k2.6: moonshotai/Kimi-K2.6 }',
        '        quantization: int4',
        '        maxConcurrency: 64',
        '      - name: moonshot',
        '        url: https://api.moonshot.ai/v1',
        '        apiKeyEnv: MOONSHOT_API_KEY',
        '        role: fallback',
      ].join('\n'),
      '/etc/swarmflow/inference.yaml',
    );
    const pool = cfg.pools.default;
    expect(pool?.strategy).toBe('least-outstanding');
    expect(pool?.affinity).toEqual({ enabled: true, absolute: 64, relative: 1.5 });
    expect(pool?.maxAttempts).toBe(3);
    const [gpu, moon] = pool?.endpoints ?? [];
    expect(gpu).toMatchObject({
      url: 'http://gpu-a.internal:8000/v1',
      kind: 'vllm',
      quantization: 'int4',
      maxConcurrency: 64,
      servedModels: { 'kimi-k2.6': 'moonshotai/Kimi-K2.6' },
      role: 'primary',
      weight: 1,
    });
    // The Moonshot host implies its dialect; the key stays a name.
    expect(moon).toMatchObject({ kind: 'moonshot', apiKeyEnv: 'MOONSHOT_API_KEY', role: 'fallback', maxConcurrency: 16, models: null });
  });

  test('schema errors are located file:line:col', () => {
    const errs = errorsOf(['pools:', '  default:', '    strategy: fastest', '    endpoints:', '      - name: a', '        url: http://x/v1', '        maxConcurency: 4'].join('\n'));
    expect(errs).toContain('inference.yaml:3:15: pools.default.strategy: must be equal to one of the allowed values: "least-outstanding", "power-of-two", "weighted", "ordered"');
    expect(errs).toContain('inference.yaml:7:9: pools.default.endpoints.0.maxConcurency: unknown setting "maxConcurency"');
  });

  test('wrong types and missing fields point at the value or its parent', () => {
    const errs = errorsOf(['pools:', '  p:', '    endpoints:', '      - url: http://x/v1', '        maxConcurrency: 0'].join('\n'));
    expect(errs.some((e) => e.startsWith("inference.yaml:4:9: pools.p.endpoints.0: must have required property 'name'"))).toBe(true);
    expect(errs).toContain('inference.yaml:5:25: pools.p.endpoints.0.maxConcurrency: must be >= 1');
  });

  test('YAML syntax errors and duplicate keys are located', () => {
    expect(errorsOf('pools:\n  a: 1\n  a: 2\n')[0]).toMatch(/^inference\.yaml:3:3: Map keys must be unique/);
    expect(errorsOf('pools: [\n')[0]).toMatch(/^inference\.yaml:\d+:\d+: /);
  });

  test('semantic checks: duplicate names, missing url, module on a built-in kind', () => {
    const errs = errorsOf(
      ['pools:', '  p:', '    endpoints:', '      - { name: a, url: "http://x/v1" }', '      - { name: a, kind: vllm }', '      - { name: c, kind: vllm, url: "http://y/v1", module: ./m.js }'].join('\n'),
    );
    expect(errs).toContain('inference.yaml:5:17: pool p: two endpoints are named "a"');
    expect(errs).toContain('inference.yaml:5:9: endpoint a: "url" is required (only kinds sim and llama-cpp may omit it)');
    expect(errs.some((e) => e.includes('"module" is for user kinds; "vllm" is built in'))).toBe(true);
  });

  test('kind sim without url takes the running simulated server', () => {
    const cfg = parseInferenceConfig('pools:\n  default:\n    endpoints:\n      - name: s\n        kind: sim\n', 'f.yaml', { simUrl: 'http://127.0.0.1:9/v1' });
    expect(cfg.pools.default?.endpoints[0]?.url).toBe('http://127.0.0.1:9/v1');
  });

  test('with no configuration: one pool default with the simulated endpoint', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sf-inf-'));
    const cfg = loadInferenceConfig({ env: {}, cwd: dir, simUrl: 'http://127.0.0.1:1234/v1' });
    expect(Object.keys(cfg.pools)).toEqual(['default']);
    expect(cfg.pools.default?.endpoints).toHaveLength(1);
    expect(cfg.pools.default?.endpoints[0]).toMatchObject({ name: 'sim', kind: 'sim', url: 'http://127.0.0.1:1234/v1' });
    expect(() => loadInferenceConfig({ env: {}, cwd: dir })).toThrow(/no inference configuration/);
  });

  test('sources: file option, SWARMFLOW_INFERENCE path or inline text, ./inference.yaml; module paths relative to the file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sf-inf-'));
    const yaml = 'pools:\n  default:\n    endpoints:\n      - { name: u, kind: my-kind, module: ./lib/b.js, url: "http://127.0.0.1:1/v1" }\n';
    writeFileSync(path.join(dir, 'custom.yaml'), yaml);
    const byFile = loadInferenceConfig({ file: 'custom.yaml', cwd: dir, env: {} });
    expect(byFile.source).toBe(path.join(dir, 'custom.yaml'));
    expect(byFile.pools.default?.endpoints[0]?.module).toBe(path.join(dir, 'lib/b.js'));
    expect(loadInferenceConfig({ cwd: '/', env: { SWARMFLOW_INFERENCE: path.join(dir, 'custom.yaml') } }).source).toBe(path.join(dir, 'custom.yaml'));
    const inline = loadInferenceConfig({ cwd: dir, env: { SWARMFLOW_INFERENCE: yaml } });
    expect(inline.source).toBe('$SWARMFLOW_INFERENCE');
    writeFileSync(path.join(dir, 'inference.yaml'), yaml);
    expect(loadInferenceConfig({ cwd: dir, env: {} }).source).toBe(path.join(dir, 'inference.yaml'));
    expect(() => loadInferenceConfig({ file: 'missing.yaml', cwd: dir, env: {} })).toThrow(/missing\.yaml:1:1: cannot read/);
  });
});
