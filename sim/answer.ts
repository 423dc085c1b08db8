/**
 * What the simulated model says: tool calls while tools are offered and the
 * conversation has had fewer than `toolTurns` tool-calling turns, then an
 * answer (JSON valid against a requested schema, or text labelled
 * `[simulated] `). Everything comes from the seed and the request.
 */
import { createHash } from 'node:crypto';
import { Rng, words } from './random';
import type { SimChatBody } from './request';
import { sampleFromSchema } from './schema-sample';

export interface SimToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface SimAnswer {
  content: string | null;
  reasoning: string | null;
  toolCalls: SimToolCall[];
  finishReason: 'stop' | 'length' | 'tool_calls';
  promptTokens: number;
  completionTokens: number;
}

export interface AnswerSettings {
  seed: number;
  toolTurns: number;
  arrayItems: number;
  reasoning: boolean;
  malformedToolCalls: boolean;
  /** Quote the message answered instead of naming it by a digest (SimOptions.echo). */
  echo: boolean;
}

/** Rough token count: about four characters a token, as the spec asks. */
export function tokensOf(chars: number): number {
  return Math.ceil(chars / 4);
}

export function promptTokensOf(body: SimChatBody): number {
  return tokensOf(body.messages.reduce((n, m) => n + m.text.length, 0));
}

export function answer(body: SimChatBody, s: AnswerSettings): SimAnswer {
  const rng = new Rng(`${s.seed}\n${body.canonical}`);
  const promptTokens = promptTokensOf(body);
  const thinks = body.thinking ?? s.reasoning;
  const reasoning = thinks ? `[simulated] thinking about ${words(rng, rng.int(4, 10))}` : null;

  const toolTurnsSoFar = body.messages.filter((m) => m.role === 'assistant' && m.toolCalls > 0).length;
  const callsSoFar = body.messages.reduce((n, m) => n + m.toolCalls, 0);
  const forced = typeof body.toolChoice === 'object' ? body.toolChoice.name : null;
  const wantsTool =
    body.tools.length > 0 &&
    body.toolChoice !== 'none' &&
    (forced !== null || body.toolChoice === 'required' || toolTurnsSoFar < s.toolTurns);
  if (wantsTool) {
    const tool = (forced !== null ? body.tools.find((t) => t.name === forced) : undefined) ?? rng.pick(body.tools);
    let args = JSON.stringify(sampleFromSchema(tool.parameters, rng, { arrayItems: s.arrayItems }));
    // A truncated object: what a model that ran out of steam writes.
    if (s.malformedToolCalls) args = `${args.slice(0, Math.max(1, args.length - 1))},"`;
    const call = { id: `functions.${tool.name}:${callsSoFar}`, name: tool.name, arguments: args };
    const completionTokens = tokensOf(args.length + tool.name.length + (reasoning?.length ?? 0));
    return { content: null, reasoning, toolCalls: [call], finishReason: 'tool_calls', promptTokens, completionTokens };
  }

  let content: string;
  if (body.schema !== null) {
    content = JSON.stringify(sampleFromSchema(body.schema, rng, { arrayItems: s.arrayItems }));
  } else if (body.jsonObject) {
    content = JSON.stringify({ simulated: true, answer: words(rng, 6) });
  } else {
    // It names the message it answers by a digest, never by its text: the prompt must not come back as
    // output (tests prove that no prompt reaches workflow history).
    const lastUser = [...body.messages].reverse().find((m) => m.role === 'user' || m.role === 'tool');
    const text = (lastUser?.text ?? '').replace(/\s+/g, ' ').trim();
    const digest = createHash('sha256').update(text).digest('hex').slice(0, 8);
    content = s.echo
      ? `[simulated] Re: "${text.slice(0, 48)}". ${words(rng, rng.int(12, 30))}.`
      : `[simulated] answer to a ${text ? text.split(' ').length : 0}-word ${lastUser?.role ?? 'user'} message #${digest}: ${words(rng, rng.int(12, 30))}.`;
  }
  let finishReason: SimAnswer['finishReason'] = 'stop';
  if (body.maxTokens !== null && tokensOf(content.length) > body.maxTokens) {
    content = content.slice(0, body.maxTokens * 4);
    finishReason = 'length';
  }
  const completionTokens = tokensOf(content.length + (reasoning?.length ?? 0));
  return { content, reasoning, toolCalls: [], finishReason, promptTokens, completionTokens };
}
