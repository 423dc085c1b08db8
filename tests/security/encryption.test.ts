/**
 * Payload encryption on the real dev server: with the codec on, no prompt,
 * input, model output or error text of a run is in the history Temporal
 * stores (read raw, without the codec), while a client with the codec reads
 * the result and the error. Key rotation works on live histories.
 *
 * Needs the wiring of `dataConverter` in runtime/worker.ts and
 * runtime/runs.ts (see encrypted-env.ts).
 */
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmCodec, encryptingDataConverter, parseCodecKeys } from '../../runtime/codec';
import { payloadsToJson, createCodecRouter } from '../../runtime/codec/server';
import express from 'express';
import request from 'supertest';
import { describeTemporal } from '../helpers/temporal';
import { assertEncryptedAtRest, connectWithCodec, rawRunHistories, rawRunText, startEncryptedEnv, type EncryptedEnv } from './encrypted-env';

const tag = randomBytes(4).toString('hex');
const M = {
  input: `MARKER-INPUT-${tag}`,
  prompt: `MARKER-PROMPT-${tag}`,
  set: `MARKER-SET-${tag}`,
  instructions: `MARKER-INSTR-${tag}`,
  file: `MARKER-ERRFILE-${tag}.txt`,
  expr: `marker_errkey_${tag}`,
};
const oldKey = `k-old:${randomBytes(32).toString('base64')}`;
const codec = new AesGcmCodec(parseCodecKeys(oldKey));

const SWARM = `swarm: sec-enc
version: 1
models:
  m: { pool: default, model: kimi-k2.6, maxTokens: 64 }
agents:
  helper:
    model: m
    instructions: "${M.instructions} be brief"
steps:
  - id: note
    set: { text: "${M.set}" }
  - id: ask
    llm: m
    prompt: "${M.prompt} write about \${{ inputs.secret }}"
  - id: delegate
    agent: helper
    prompt: "${M.prompt} agent, consider \${{ inputs.secret }}"
output:
  note: \${{ steps.note.output.text }}
  answer: \${{ steps.ask.output }}
  agent: \${{ steps.delegate.output }}
  secret: \${{ inputs.secret }}
`;

const FAILING_TOOL = `swarm: sec-fail
version: 1
tools:
  read: { uses: fs.read }
steps:
  - id: missing
    tool: read
    with: { path: "\${{ inputs.file }}" }
`;

const FAILING_ARGS = `swarm: sec-fail-args
version: 1
tools:
  read: { uses: fs.read }
steps:
  - id: broken
    tool: read
    with: { path: "\${{ inputs.obj.${M.expr} }}" }
`;

describeTemporal('payload encryption on the dev server', () => {
  let env: EncryptedEnv;
  beforeAll(async () => {
    env = await startEncryptedEnv({ dataConverter: encryptingDataConverter(codec) });
  }, 180_000);
  afterAll(async () => env?.close());

  test('prompt, input, agent instructions and model output are not in the stored history; the codec client reads the result', async () => {
    const out = await env.run(SWARM, { secret: M.input });
    expect(out.status).toBe('succeeded');
    const o = out.output as { note: string; answer: string; agent: string; secret: string };
    expect(o.note).toBe(M.set);
    expect(o.secret).toBe(M.input);
    expect(typeof o.answer).toBe('string');
    expect(o.answer.length).toBeGreaterThan(20);

    await assertEncryptedAtRest(env.raw, out.id);
    const stored = await rawRunText(env.raw, out.id);
    expect((await rawRunHistories(env.raw, out.id)).length).toBeGreaterThanOrEqual(2); // the agent's child history is checked too
    for (const marker of [M.input, M.prompt, M.set, M.instructions]) expect(stored).not.toContain(marker);
    // The model's answers, as the codec client reads them, are nowhere in storage either.
    expect(stored).not.toContain(o.answer.slice(0, 40));
    expect(stored).not.toContain(String(o.agent).slice(0, 40));
    expect(stored).toContain('binary/encrypted');

    // Without the codec the stored result is unreadable.
    await expect(env.raw.workflow.getHandle(out.id).result()).rejects.toThrow();
  });

  test("a failing step's error text (workflow failure and activity failure) is encrypted too; the codec client reads it", async () => {
    const failed = await env.run(FAILING_TOOL, { file: M.file });
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain(M.file);
    await assertEncryptedAtRest(env.raw, failed.id);
    const stored = await rawRunText(env.raw, failed.id);
    expect(stored).not.toContain(M.file);
    expect(stored).toContain('Encoded failure');

    const broken = await env.run(FAILING_ARGS, { obj: {} });
    expect(broken.status).toBe('failed');
    expect(broken.error).toContain(M.expr);
    const storedArgs = await rawRunText(env.raw, broken.id);
    // The activity's own failure event (converted on the worker's main thread) and the run's failure (in the workflow sandbox).
    const events = (await rawRunHistories(env.raw, broken.id)).flatMap((h) => h.events ?? []);
    expect(events.some((e) => e.activityTaskFailedEventAttributes)).toBe(true);
    expect(events.some((e) => e.workflowExecutionFailedEventAttributes)).toBe(true);
    for (const e of events) {
      const msg = e.activityTaskFailedEventAttributes?.failure?.message ?? e.workflowExecutionFailedEventAttributes?.failure?.message;
      if (msg !== undefined && msg !== null) expect(msg).toBe('Encoded failure');
    }
    expect(storedArgs).not.toContain(M.expr);
  });

  test('key rotation: runs written with the old key stay readable after a new key is put first, and new runs use the new key', async () => {
    const before = await env.run(SWARM, { secret: `${M.input}-rot` });
    expect(before.status).toBe('succeeded');
    const rotated = new AesGcmCodec(parseCodecKeys(`k-new:${randomBytes(32).toString('base64')},${oldKey}`));
    const reader = await connectWithCodec(env.settings, { dataConverter: encryptingDataConverter(rotated) });
    try {
      const old = await reader.workflow.getHandle(before.id).result();
      expect(JSON.stringify(old)).toContain(`${M.input}-rot`);
      // Payloads carry their key id: the old run names k-old only.
      const stored = await rawRunText(env.raw, before.id);
      expect(stored).toContain('k-old');
      expect(stored).not.toContain('k-new');
    } finally {
      await reader.connection.close();
    }
    // A reader with only the new key cannot read the old run, and the error says which key is missing.
    const newOnly = await connectWithCodec(env.settings, { dataConverter: encryptingDataConverter(new AesGcmCodec(parseCodecKeys(`k-new:${randomBytes(32).toString('base64')}`))) });
    try {
      await expect(newOnly.workflow.getHandle(before.id).result()).rejects.toThrow(/k-old/);
    } finally {
      await newOnly.connection.close();
    }
  });

  test('the codec server decodes stored payloads for a token holder and answers 401 without one', async () => {
    const out = await env.run(SWARM, { secret: `${M.input}-ui` });
    const events = (await rawRunHistories(env.raw, out.id)).flatMap((h) => h.events ?? []);
    const completed = events.find((e) => e.workflowExecutionCompletedEventAttributes)?.workflowExecutionCompletedEventAttributes?.result?.payloads ?? [];
    expect(completed.length).toBe(1);
    expect(Buffer.from(completed[0]?.metadata?.encoding ?? []).toString()).toBe('binary/encrypted');
    const body = payloadsToJson(completed.map((p) => ({ metadata: p.metadata ?? {}, data: p.data ?? new Uint8Array() })));
    const app = express().use(createCodecRouter({ codec, tokens: ['ui-token-0123456789abcdef'], allowOrigins: ['http://localhost:8080'] }));
    expect((await request(app).post('/codec/decode').send(body)).status).toBe(401);
    const res = await request(app).post('/codec/decode').set('Authorization', 'Bearer ui-token-0123456789abcdef').send(body);
    expect(res.status).toBe(200);
    const p = res.body.payloads[0] as { metadata: Record<string, string>; data: string };
    const value = defaultPayloadConverter.fromPayload({ metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])), data: Buffer.from(p.data, 'base64') });
    expect(JSON.stringify(value)).toContain(`${M.input}-ui`);
  });
});
