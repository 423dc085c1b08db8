/** Shared set-up of the skill tests: temp stores and a scripted fake model. */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ChatRequest, ChatResponse } from '../../activities/inference/types';
import type { CaptureSkillInput } from '../../activities/contracts';
import type { Json } from '../../dsl/ir';

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `swarmflow-${prefix}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/**
 * A model that answers from a script, records every request, and fails the
 * test loudly when asked more often than scripted.
 */
export function scriptedChat(answers: (string | null)[]) {
  const requests: ChatRequest[] = [];
  let next = 0;
  const chat = async (req: ChatRequest): Promise<ChatResponse> => {
    requests.push(JSON.parse(JSON.stringify(req)) as ChatRequest);
    if (next >= answers.length) throw new Error(`scripted model ran out of answers: request ${next + 1} was not expected (last user message: ${JSON.stringify(req.messages[req.messages.length - 1]?.content?.slice(0, 200))})`);
    const content = answers[next] ?? null;
    next += 1;
    return { content, reasoning: null, toolCalls: [], usage: { promptTokens: 10, completionTokens: 10 }, finishReason: 'stop', endpoint: 'scripted', model: 'scripted-model', simulated: false };
  };
  return { chat, requests, remaining: () => answers.length - next };
}

/** A valid answer to the meta-template, with overrides. */
export function draftJson(over: Record<string, Json> = {}): string {
  return JSON.stringify({
    name: 'summarise-module',
    description: 'Summarise one TypeScript module as a title and bullet points.',
    whenToUse: 'When a task asks for a short structured summary of one source file.',
    instructions: '1. Read the file.\n2. Name its purpose in one line.\n3. List the exported functions.',
    outputTemplate: '{ "title": <one line>, "points": [<exported function and what it does>] }',
    outputSchema: { type: 'object', required: ['title', 'points'], properties: { title: { type: 'string' }, points: { type: 'array', items: { type: 'string' } } } },
    example: 'Input: src/math.ts\nOutput: { "title": "Math helpers", "points": ["add: sums two numbers"] }',
    ...over,
  });
}

export function captureInput(over: { key?: string; runId?: string; transcripts?: string[]; output?: Json; skill?: string } = {}): CaptureSkillInput {
  return {
    ctx: { runId: over.runId ?? 'summarise/run-1', stepId: 'learn', idempotencyKey: over.key ?? `${over.runId ?? 'summarise/run-1'}/learn` },
    skill: over.skill ?? 'summarise-module',
    description: 'How to summarise one module as a title and points.',
    from: { stepId: 'work', output: over.output ?? { title: 'Math helpers', points: ['add: sums two numbers'] }, transcripts: over.transcripts ?? [] },
    model: { pool: 'default', model: 'kimi-k2.6', temperature: null, maxTokens: null, quantization: null },
  };
}
