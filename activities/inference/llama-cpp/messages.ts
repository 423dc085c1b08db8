/**
 * Canonical chat form <-> node-llama-cpp's chat history. The model's own
 * chat template (via node-llama-cpp's chat wrapper) renders the history, so
 * here we only restructure: an assistant turn becomes a `model` item whose
 * tool calls carry their results inline (that is how node-llama-cpp feeds
 * function results back), and reasoning travels as a `thought` segment.
 */
import { BadRequestError } from '../errors';
import type { ChatRequest, ChatResponse, FinishReason, ToolCall } from '../types';
import { priorToolCalls } from '../wire';
import type { DoneMessage, HistoryItem, HostFunction, ModelResponsePart } from './protocol';

/** Tool arguments and results are JSON text in the canonical form; the chat wrapper wants values. */
function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The request's messages as node-llama-cpp chat history; throws BadRequestError on an inconsistent tool exchange. */
export function toHistory(req: ChatRequest, endpoint: string): HistoryItem[] {
  const results = new Map<string, string>();
  const callIds = new Set<string>();
  for (const m of req.messages) {
    for (const c of m.toolCalls ?? []) callIds.add(c.id);
  }
  req.messages.forEach((m, i) => {
    if (m.role !== 'tool') return;
    if (m.toolCallId === undefined || !callIds.has(m.toolCallId)) {
      throw new BadRequestError(endpoint, `message ${i} is a tool result for call ${JSON.stringify(m.toolCallId ?? null)}, which no assistant turn made`, 400);
    }
    results.set(m.toolCallId, m.content ?? '');
  });
  const history: HistoryItem[] = [];
  req.messages.forEach((m, i) => {
    switch (m.role) {
      case 'system':
        history.push({ type: 'system', text: m.content ?? '' });
        return;
      case 'user':
        history.push({ type: 'user', text: m.content ?? '' });
        return;
      case 'tool':
        return; // carried inside the assistant turn that called it
      case 'assistant': {
        const response: ModelResponsePart[] = [];
        if (m.reasoning) response.push({ type: 'segment', segmentType: 'thought', text: m.reasoning, ended: true });
        if (m.content) response.push(m.content);
        for (const c of m.toolCalls ?? []) {
          const result = results.get(c.id);
          if (result === undefined) {
            throw new BadRequestError(endpoint, `message ${i} calls tool ${c.name} (id ${c.id}) but no tool message answers it`, 400);
          }
          response.push({ type: 'functionCall', name: c.name, params: jsonOrText(c.arguments), result: jsonOrText(result) });
        }
        history.push({ type: 'model', response });
        return;
      }
    }
  });
  return history;
}

/** The request's tools as node-llama-cpp functions (name -> description and JSON-schema parameters), or null. */
export function toFunctions(req: ChatRequest): Record<string, HostFunction> | null {
  if (!req.tools || req.tools.length === 0) return null;
  const out: Record<string, HostFunction> = {};
  for (const t of req.tools) out[t.name] = { description: t.description, params: t.parameters };
  return out;
}

function finishOf(stopReason: string, calls: number): FinishReason {
  if (calls > 0 || stopReason === 'functionCalls') return 'tool_calls';
  if (stopReason === 'maxTokens') return 'length';
  return 'stop';
}

/** The host's answer in canonical form. Tool call ids follow the OpenAI backend's scheme for engines that give none. */
export function toResponse(req: ChatRequest, done: DoneMessage, endpoint: string, model: string): ChatResponse {
  const prior = priorToolCalls(req);
  const toolCalls: ToolCall[] = done.calls.map((c, i) => ({
    id: `functions.${c.name}:${prior + i}`,
    name: c.name,
    arguments: JSON.stringify(c.params ?? {}),
  }));
  return {
    content: done.text !== '' ? done.text : null,
    reasoning: done.reasoning !== null && done.reasoning !== '' ? done.reasoning : null,
    toolCalls,
    usage: { promptTokens: done.promptTokens, completionTokens: done.completionTokens },
    finishReason: finishOf(done.stopReason, toolCalls.length),
    endpoint,
    model,
    simulated: false,
  };
}
