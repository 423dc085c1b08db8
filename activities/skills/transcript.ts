/**
 * Turns stored transcripts into text for the skill writer, within a
 * character budget. Understands the two shapes the activities store: a
 * conversation (a list of chat messages) and a single call
 * (`{ request: { messages }, response: { content, toolCalls } }`); anything
 * else is shown as it is.
 */
import { isJson } from '../tools/json-schema';
import type { Json } from './types';

const DEFAULT_BUDGET = 60_000;

function obj(v: Json | undefined): { [key: string]: Json } | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : null;
}

function renderMessage(m: Json): string {
  const o = obj(m);
  if (!o) return JSON.stringify(m);
  const role = typeof o['role'] === 'string' ? o['role'] : 'message';
  const parts: string[] = [];
  const name = typeof o['name'] === 'string' ? ` ${o['name']}` : '';
  if (typeof o['content'] === 'string' && o['content'] !== '') parts.push(o['content']);
  const calls = o['toolCalls'];
  if (Array.isArray(calls)) {
    for (const c of calls) {
      const call = obj(c);
      if (call) parts.push(`(calls tool ${String(call['name'])} with ${typeof call['arguments'] === 'string' ? call['arguments'] : JSON.stringify(call['arguments'])})`);
    }
  }
  return `### ${role}${name}\n${parts.join('\n') || '(empty)'}`;
}

/** One transcript as text. */
export function renderTranscript(text: string): string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return text;
  }
  if (!isJson(v)) return text;
  const j = v;
  if (Array.isArray(j)) return j.map(renderMessage).join('\n\n');
  const o = obj(j);
  const request = obj(o?.['request']);
  if (o && request && Array.isArray(request['messages'])) {
    const response = obj(o['response']);
    const answer = response ? renderMessage({ role: 'assistant', content: response['content'] ?? null, toolCalls: response['toolCalls'] ?? null }) : '';
    return [...request['messages'].map(renderMessage), answer].filter((s) => s !== '').join('\n\n');
  }
  return JSON.stringify(j, null, 2);
}

/** Keeps the beginning and, mostly, the end (where the working solution is) of a long text. */
export function clip(text: string, budget: number): string {
  if (text.length <= budget) return text;
  const head = Math.floor(budget / 3);
  const tail = budget - head;
  return `${text.slice(0, head)}\n\n[... ${text.length - budget} characters omitted ...]\n\n${text.slice(text.length - tail)}`;
}

/** All transcripts, each clipped to its share of the budget. */
export function renderTranscripts(texts: string[], budget = DEFAULT_BUDGET): string {
  if (texts.length === 0) return '(no transcript was recorded)';
  const share = Math.floor(budget / texts.length);
  return texts.map((t, i) => (texts.length > 1 ? `#### Transcript ${i + 1}\n` : '') + clip(renderTranscript(t), share)).join('\n\n');
}
