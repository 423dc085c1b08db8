/**
 * Reads an OpenAI chat-completions body into the few facts the simulated
 * model answers from. The body is outside input: every field is checked.
 */

export interface SimTool {
  name: string;
  parameters: unknown;
}

export interface SimChatBody {
  model: string;
  messages: { role: string; text: string; toolCalls: number }[];
  tools: SimTool[];
  /** `auto`, `none`, `required`, or the name of a forced function. */
  toolChoice: 'auto' | 'none' | 'required' | { name: string };
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number | null;
  /** `response_format: json_schema` schema. */
  schema: unknown;
  jsonObject: boolean;
  /** true/false when the request switches thinking; null when it says nothing. */
  thinking: boolean | null;
  /** The body without streaming fields: what the answer is derived from. */
  canonical: string;
}

/** Thrown for a body the server answers with 400 `invalid_request_error`. */
export class SimBadRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimBadRequest';
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON with sorted keys, so the same request always hashes the same. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isRecord(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((p) => (isRecord(p) && typeof p.text === 'string' ? p.text : '')).join('');
  }
  return '';
}

export function parseChatBody(body: unknown): SimChatBody {
  if (!isRecord(body)) throw new SimBadRequest('request body must be a JSON object');
  if (typeof body.model !== 'string' || body.model === '') throw new SimBadRequest('"model" must be a non-empty string');
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw new SimBadRequest('"messages" must be a non-empty array');
  }
  const messages = body.messages.map((m, i) => {
    if (!isRecord(m) || typeof m.role !== 'string') throw new SimBadRequest(`messages[${i}] needs a string "role"`);
    let text = textOf(m.content);
    for (const k of ['reasoning', 'reasoning_content'] as const) if (typeof m[k] === 'string') text += m[k];
    let toolCalls = 0;
    if (Array.isArray(m.tool_calls)) {
      for (const tc of m.tool_calls) {
        toolCalls += 1;
        if (isRecord(tc) && isRecord(tc.function)) {
          text += `${String(tc.function.name ?? '')}${String(tc.function.arguments ?? '')}`;
        }
      }
    }
    return { role: m.role, text, toolCalls };
  });
  const tools: SimTool[] = [];
  if (body.tools !== undefined && body.tools !== null) {
    if (!Array.isArray(body.tools)) throw new SimBadRequest('"tools" must be an array');
    body.tools.forEach((t, i) => {
      const fn = isRecord(t) ? t.function : undefined;
      if (!isRecord(fn) || typeof fn.name !== 'string') throw new SimBadRequest(`tools[${i}].function.name must be a string`);
      tools.push({ name: fn.name, parameters: fn.parameters ?? { type: 'object', properties: {} } });
    });
  }
  let toolChoice: SimChatBody['toolChoice'] = 'auto';
  const tc = body.tool_choice;
  if (tc === 'none' || tc === 'required' || tc === 'auto') toolChoice = tc;
  else if (isRecord(tc) && isRecord(tc.function) && typeof tc.function.name === 'string') {
    toolChoice = { name: tc.function.name };
  }
  const maxRaw = body.max_tokens ?? body.max_completion_tokens;
  const maxTokens = typeof maxRaw === 'number' && maxRaw > 0 ? Math.floor(maxRaw) : null;
  let schema: unknown = null;
  let jsonObject = false;
  const rf = body.response_format;
  if (isRecord(rf)) {
    if (rf.type === 'json_schema') {
      if (!isRecord(rf.json_schema) || !isRecord(rf.json_schema.schema)) {
        throw new SimBadRequest('response_format json_schema needs json_schema.schema (an object)');
      }
      schema = rf.json_schema.schema;
    } else if (rf.type === 'json_object') jsonObject = true;
  }
  let thinking: boolean | null = null;
  if (isRecord(body.thinking) && typeof body.thinking.type === 'string') thinking = body.thinking.type === 'enabled';
  const kw = body.chat_template_kwargs;
  if (isRecord(kw)) {
    for (const k of ['thinking', 'enable_thinking']) if (typeof kw[k] === 'boolean') thinking = kw[k] === true;
  }
  if (typeof body.think === 'boolean') thinking = body.think;
  const stream = body.stream === true;
  const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
  const { stream: _s, stream_options: _so, ...rest } = body;
  return {
    model: body.model,
    messages,
    tools,
    toolChoice,
    stream,
    includeUsage,
    maxTokens,
    schema,
    jsonObject,
    thinking,
    canonical: canonicalJson(rest),
  };
}
