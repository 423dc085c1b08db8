/**
 * The canonical request/response form of one model call. Every backend
 * (OpenAI-compatible engines, hosted APIs, user-registered kinds) translates
 * to and from this form; nothing above the pool sees an engine's dialect.
 */

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface ToolCall {
  /** Call id as the engine gave it (Kimi: `functions.NAME:IDX`); generated when the engine gave none. */
  id: string;
  name: string;
  /** Raw JSON text of the arguments, exactly as the model wrote it. */
  arguments: string;
}

export interface ChatMessage {
  role: Role;
  content: string | null;
  /** Reasoning text of an assistant turn; kept so that a switch of backend does not drop it. */
  reasoning?: string | null;
  /** Assistant turns that called tools. */
  toolCalls?: ToolCall[];
  /** Tool turns: which call this answers. */
  toolCallId?: string;
  /** Tool turns: the tool's name. */
  name?: string;
}

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  temperature?: number | null;
  maxTokens?: number | null;
  /** Ask for JSON that satisfies this schema (`response_format: json_schema`). */
  outputSchema?: Record<string, unknown> | null;
  /** Reasoning on/off where the engine has a switch. */
  thinking?: boolean;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

export interface ChatResponse {
  content: string | null;
  reasoning: string | null;
  toolCalls: ToolCall[];
  usage: Usage;
  finishReason: FinishReason;
  /** Which endpoint answered and which model it reported. */
  endpoint: string;
  model: string;
  /** True when the answer came from the simulated model server. */
  simulated: boolean;
  /** Set when the request asked for `outputSchema`: errors of `content` against it ([] = valid). */
  schemaErrors?: string[];
  /** Endpoints that failed this call before `endpoint` answered (failover), oldest first. */
  failedOver?: string[];
}

/** Routing and progress context of one call. */
export interface CallOptions {
  /** Keeps one agent on one replica for its KV cache (agent workflow id). */
  affinityKey?: string;
  /** Pool name from the model settings (`default` when absent). */
  pool?: string;
  /** Declared quantization the endpoint must serve. */
  quantization?: string | null;
  signal?: AbortSignal;
  /** Called as streamed tokens arrive; activities heartbeat from here. */
  onProgress?: (p: { completionTokens: number; endpoint: string }) => void;
}
