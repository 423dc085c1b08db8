/**
 * captureSkill through real HTTP against the simulated model server
 * (OpenAI-compatible, deterministic): the skill is written from a schema-valid
 * answer, and a repeated identical capture dedupes to the same version.
 */
import * as path from 'node:path';
import { FsBlobStore } from '../../activities/blobs';
import type { ChatRequest, ChatResponse } from '../../activities/inference/types';
import { captureSkill } from '../../activities/skills/capture';
import { FsSkillStore } from '../../activities/skills/fs-store';
import { checkAgainstSkill } from '../../activities/skills/apply';
import { startSimServer, type SimServer } from '../../sim/server';
import { captureInput, removeDir, tempDir } from './helpers';

let sim: SimServer;
let dir: string;

beforeAll(async () => {
  sim = await startSimServer({ seed: 7 });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  dir = tempDir('sim-capture');
});

afterEach(async () => {
  await removeDir(dir);
});

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The smallest OpenAI-compatible client: one non-streaming chat completion. */
function fetchChat(baseUrl: string) {
  return async (req: ChatRequest): Promise<ChatResponse> => {
    const res = await fetch(`${baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: req.model,
        messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
        ...(req.outputSchema ? { response_format: { type: 'json_schema', json_schema: { name: 'skill', schema: req.outputSchema } } } : {}),
      }),
    });
    const body: unknown = await res.json();
    if (!res.ok || !isRecord(body) || !Array.isArray(body['choices'])) throw new Error(`sim answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
    const choice: unknown = body['choices'][0];
    const message = isRecord(choice) ? choice['message'] : undefined;
    const content = isRecord(message) && typeof message['content'] === 'string' ? message['content'] : null;
    return {
      content,
      reasoning: null,
      toolCalls: [],
      usage: { promptTokens: 0, completionTokens: 0 },
      finishReason: 'stop',
      endpoint: 'sim',
      model: typeof body['model'] === 'string' ? body['model'] : req.model,
      simulated: res.headers.get('x-swarmflow-simulated') === '1',
    };
  };
}

test('a skill captured through the simulated model, then captured again identically, is stored once', async () => {
  const blobs = new FsBlobStore(path.join(dir, 'blobs'));
  const store = new FsSkillStore(path.join(dir, 'skills'));
  const chat = fetchChat(sim.url);
  const transcript = await blobs.putJson([
    { role: 'user', content: 'List the modules of the repo.' },
    { role: 'assistant', content: '{"modules":["a","b"],"count":2}' },
  ]);
  const output = { modules: ['a', 'b'], count: 2 };
  const first = await captureSkill(captureInput({ transcripts: [transcript], output }), { chat, blobs, store });
  expect(first).toMatchObject({ name: 'summarise-module', version: '1.0.0', created: true });
  const second = await captureSkill(captureInput({ transcripts: [transcript], output, runId: 'other-swarm/run-9' }), { chat, blobs, store });
  expect(second).toEqual({ ...first, created: false });
  expect(await store.versions('summarise-module')).toEqual(['1.0.0']);

  const stored = await store.get('summarise-module');
  expect(stored?.skill.body).toContain('## Instructions');
  // A skill the simulated model wrote says so.
  expect(stored?.skill.provenance).toMatchObject({ model: 'kimi-k2.6', simulated: true });
  // The simulated model returns `{}` for the open outputSchema field, so the schema is inferred from the output.
  expect(checkAgainstSkill(output, { name: 'summarise-module', version: '1.0.0', outputSchema: stored?.skill.outputSchema ?? null }).ok).toBe(true);
  expect(checkAgainstSkill({ modules: 'a' }, { name: 'summarise-module', version: '1.0.0', outputSchema: stored?.skill.outputSchema ?? null }).ok).toBe(false);
});
