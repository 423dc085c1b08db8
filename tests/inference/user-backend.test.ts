/** User backend kinds: from a module named in inference.yaml, or registered in code. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseInferenceConfig } from '../../activities/inference/config';
import type { Backend } from '../../activities/inference/backend';
import { BackendBugError, RateLimitedError } from '../../activities/inference/errors';
import { createPool, UnknownBackendKindError } from '../../activities/inference/pool';
import { ask } from './helpers';

const MODULE = `
// A user backend kind: answers by echoing, counts calls; no server needed.
let calls = 0;
exports.createBackend = function createBackend(endpoint, ctx) {
  return {
    async chat(req, opts) {
      calls += 1;
      opts.onTokens && opts.onTokens(3);
      const last = req.messages[req.messages.length - 1];
      return {
        content: 'echo(' + endpoint.options.prefix + '): ' + (last.content || ''),
        reasoning: null,
        toolCalls: [],
        usage: { promptTokens: 5, completionTokens: 3 },
        finishReason: 'stop',
        endpoint: endpoint.name,
        model: req.model,
        simulated: false,
      };
    },
    async probe() {
      return { state: 'up', running: calls, waiting: 0, generatedTokensTotal: null, detail: null };
    },
  };
};
`;

describe('user backend kinds', () => {
  test('kind + module in inference.yaml, module path relative to the file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sf-user-'));
    writeFileSync(path.join(dir, 'echo-backend.js'), MODULE);
    const cfg = parseInferenceConfig(
      'pools:\n  default:\n    endpoints:\n      - name: echo\n        kind: echo\n        module: ./echo-backend.js\n        url: http://127.0.0.1:1/v1\n        options: { prefix: test }\n',
      path.join(dir, 'inference.yaml'),
    );
    const pool = createPool(cfg, { probes: false });
    try {
      const progress: number[] = [];
      const r = await pool.chat(ask('hello'), { onProgress: (p) => progress.push(p.completionTokens) });
      expect(r).toMatchObject({ content: 'echo(test): hello', endpoint: 'echo', usage: { promptTokens: 5, completionTokens: 3 } });
      expect(progress).toEqual([3]);
      const st = await pool.probeNow();
      expect(st.pools[0]?.endpoints[0]).toMatchObject({ health: 'up', engineRunning: 1 });
    } finally {
      await pool.close();
    }
  });

  test('a module that exports no createBackend is a clear error', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sf-user-'));
    writeFileSync(path.join(dir, 'bad.js'), 'exports.nothing = 1;\n');
    const cfg = parseInferenceConfig(
      'pools:\n  default:\n    endpoints:\n      - { name: bad, kind: bad, module: ./bad.js, url: "http://127.0.0.1:1/v1" }\n',
      path.join(dir, 'inference.yaml'),
    );
    const pool = createPool(cfg, { probes: false });
    try {
      const err = await pool.chat(ask('x'), {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendBugError);
      expect(String(err)).toMatch(/bad\.js: exports no createBackend\(endpoint, ctx\) function/);
    } finally {
      await pool.close();
    }
  });

  test('registered in code; its errors and malformed answers are handled', async () => {
    const cfg = parseInferenceConfig(
      'pools:\n  default:\n    strategy: ordered\n    endpoints:\n      - { name: flaky, kind: mine, url: "http://127.0.0.1:1/v1" }\n      - { name: broken, kind: mine, url: "http://127.0.0.1:1/v1" }\n      - { name: good, kind: mine, url: "http://127.0.0.1:1/v1" }\n',
      'inline.yaml',
    );
    const probe: Backend['probe'] = async () => ({ state: 'up', running: null, waiting: null, generatedTokensTotal: null, detail: null });
    const pool = createPool(cfg, {
      probes: false,
      backends: {
        mine: (ep): Backend => ({
          probe,
          chat: async (req) => {
            if (ep.name === 'flaky') throw new RateLimitedError(ep.name, 'busy', 2000);
            // A wrong shape from user code: the pool checks it and fails over.
            if (ep.name === 'broken') return JSON.parse('{"content": 1}');
            return { content: 'ok', reasoning: null, toolCalls: [], usage: { promptTokens: 1, completionTokens: 1 }, finishReason: 'stop', endpoint: ep.name, model: req.model, simulated: false };
          },
        }),
      },
    });
    try {
      const r = await pool.chat(ask('x'), {});
      expect(r.endpoint).toBe('good');
      expect(r.failedOver).toEqual(['flaky', 'broken']);
      expect(pool.status().pools[0]?.endpoints[1]?.lastError).toContain('endpoint broken: backend failed unexpectedly: chat() returned no usage {promptTokens, completionTokens}');
    } finally {
      await pool.close();
    }
  });

  test('an unknown kind with no module and no registration fails at createPool', () => {
    const cfg = parseInferenceConfig('pools:\n  default:\n    endpoints:\n      - { name: x, kind: mystery, url: "http://127.0.0.1:1/v1" }\n', 'f.yaml');
    expect(() => createPool(cfg, { probes: false })).toThrow(UnknownBackendKindError);
    expect(() => createPool(cfg, { probes: false })).toThrow(/add "module: .\/your-backend.js" to the endpoint or register it/);
  });
});

describe('the documented example backend (docs/inference.md)', () => {
  test('runs as written against a small HTTP service', async () => {
    const { readFileSync } = await import('node:fs');
    const http = await import('node:http');
    const doc = readFileSync(path.join(__dirname, '../../docs/inference.md'), 'utf8');
    const code = /```js\n(\/\/ backends\/my-kind\.js[\s\S]*?)```/.exec(doc)?.[1];
    expect(code).toBeDefined();
    const seen: { auth: string | undefined; body: string }[] = [];
    let status = 200;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.url === '/health') return void res.writeHead(200).end('ok');
        seen.push({ auth: req.headers.authorization, body });
        if (status === 429) return void res.writeHead(429, { 'retry-after': '2' }).end('busy');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ text: 'generated', tokens: 4, promptTokens: 9 }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no port');
    const dir = mkdtempSync(path.join(tmpdir(), 'sf-doc-'));
    writeFileSync(path.join(dir, 'my-kind.js'), code ?? '');
    const cfg = parseInferenceConfig(
      `pools:\n  default:\n    maxAttempts: 1\n    endpoints:\n      - name: my-llm\n        kind: my-kind\n        module: ./my-kind.js\n        url: http://127.0.0.1:${addr.port}\n        apiKeyEnv: MY_LLM_KEY\n        options: { flavour: fast }\n`,
      path.join(dir, 'inference.yaml'),
    );
    const pool = createPool(cfg, { probes: false, env: { MY_LLM_KEY: 'sk-doc-example-key' } });
    try {
      const r = await pool.chat(ask('hello'), {});
      expect(r).toMatchObject({ content: 'generated', usage: { promptTokens: 9, completionTokens: 4 }, endpoint: 'my-llm' });
      expect(seen[0]).toEqual({ auth: 'Bearer sk-doc-example-key', body: JSON.stringify({ prompt: 'hello', flavour: 'fast' }) });
      expect((await pool.probeNow()).pools[0]?.endpoints[0]?.health).toBe('up');
      status = 429;
      await expect(pool.chat(ask('again'), {})).rejects.toThrow(RateLimitedError);
    } finally {
      await pool.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
