/** Record and replay: a recording answers the same requests with no model server; a miss is a clear error. */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createPool } from '../../activities/inference/pool';
import { RecordingPool, ReplayMissError, ReplayPool, requestKey } from '../../activities/inference/record-replay';
import { toTemporalFailure } from '../../activities/inference/errors';
import { ask, configFrom, poolYaml, startSims } from './helpers';

describe('record and replay', () => {
  test('records by content hash and replays identical answers without a server', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sf-rec-'));
    const sims = await startSims(1);
    const live = createPool(configFrom(poolYaml(sims)), { probes: false });
    const rec = new RecordingPool(live, dir);
    const tools = [{ name: 'lookup', description: 'l', parameters: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } } }];
    const schema = { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' } } };
    const requests = [ask('first question'), ask('use a tool', { tools }), ask('structured', { outputSchema: schema, temperature: 0.2 })];
    const recorded = [];
    for (const r of requests) recorded.push(await rec.chat(r, {}));
    await rec.close();
    await Promise.all(sims.map((s) => s.close()));

    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(requests.map((r) => `${requestKey(r)}.json`).sort());
    const stored: unknown = JSON.parse(readFileSync(path.join(dir, files[0]!), 'utf8'));
    expect(stored).toMatchObject({ version: 1, key: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const replay = new ReplayPool(dir);
    for (let i = 0; i < requests.length; i++) {
      // Key order and undefined members do not change the key.
      const same = JSON.parse(JSON.stringify({ ...requests[i], maxTokens: undefined }));
      expect(await replay.chat(same, {})).toEqual(recorded[i]);
    }
  });

  test('a request missing from the recording fails non-retryably without prompt text', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sf-rec-'));
    const replay = new ReplayPool(dir);
    const req = ask('a secret plan nobody should see in history');
    const err = await replay.chat(req, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplayMissError);
    if (!(err instanceof ReplayMissError)) return;
    expect(err.message).toContain(`request sha256:${requestKey(req)}`);
    expect(err.message).toContain('model kimi-k2.6, 1 messages');
    expect(err.message).not.toContain('secret plan');
    expect(toTemporalFailure(err).nonRetryable).toBe(true);
  });
});
