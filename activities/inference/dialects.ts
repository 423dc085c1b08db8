/**
 * What differs between OpenAI-compatible engines, in one table.
 *
 * Sources (see ../shared/spec/inference.md): vLLM returns reasoning as
 * `reasoning` (PRs #27752, #33402); Moonshot, SGLang and llama-server use
 * `reasoning_content`. Moonshot switches thinking with
 * `thinking: {type}`; engines serving Kimi templates take
 * `chat_template_kwargs`. Health and load: vLLM `/health` + `vllm:*` gauges,
 * SGLang `sglang:*` gauges, llama-server `/health` (503 while loading) and
 * `/slots`, Ollama `GET /`, hosted APIs `GET /v1/models`.
 */
import type { BuiltinKind } from './config';

export interface MetricNames {
  running: string;
  waiting: string;
  generated: string;
}

export interface Dialect {
  kind: BuiltinKind;
  /** Field that carries an assistant turn's reasoning back to the engine; null = do not send it. */
  reasoningField: 'reasoning' | 'reasoning_content' | null;
  /** Sets the thinking switch on a request body. */
  thinking(body: Record<string, unknown>, on: boolean): void;
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** How the engine is probed for health and load. */
  probe: 'health+metrics' | 'health+slots' | 'root' | 'models';
  metrics: MetricNames | null;
}

const templateThinking = (body: Record<string, unknown>, on: boolean): void => {
  // Kimi templates read `thinking`; Qwen-style templates read `enable_thinking`. Unknown kwargs are ignored.
  body.chat_template_kwargs = { thinking: on, enable_thinking: on };
};
const moonshotThinking = (body: Record<string, unknown>, on: boolean): void => {
  body.thinking = { type: on ? 'enabled' : 'disabled' };
};

export const DIALECTS: Record<BuiltinKind, Dialect> = {
  vllm: {
    kind: 'vllm',
    reasoningField: 'reasoning',
    thinking: templateThinking,
    maxTokensField: 'max_tokens',
    probe: 'health+metrics',
    metrics: { running: 'vllm:num_requests_running', waiting: 'vllm:num_requests_waiting', generated: 'vllm:generation_tokens_total' },
  },
  sglang: {
    kind: 'sglang',
    reasoningField: 'reasoning_content',
    thinking: templateThinking,
    maxTokensField: 'max_tokens',
    probe: 'health+metrics',
    metrics: { running: 'sglang:num_running_reqs', waiting: 'sglang:num_queue_reqs', generated: 'sglang:generation_tokens_total' },
  },
  'llama-server': {
    kind: 'llama-server',
    reasoningField: 'reasoning_content',
    thinking: templateThinking,
    maxTokensField: 'max_tokens',
    probe: 'health+slots',
    metrics: {
      running: 'llamacpp:requests_processing',
      waiting: 'llamacpp:requests_deferred',
      generated: 'llamacpp:tokens_predicted_total',
    },
  },
  ollama: {
    kind: 'ollama',
    reasoningField: null,
    thinking: (body, on) => {
      body.think = on;
    },
    maxTokensField: 'max_tokens',
    probe: 'root',
    metrics: null,
  },
  moonshot: {
    kind: 'moonshot',
    reasoningField: 'reasoning_content',
    thinking: moonshotThinking,
    maxTokensField: 'max_tokens',
    probe: 'models',
    metrics: null,
  },
  openai: {
    kind: 'openai',
    reasoningField: null,
    thinking: () => undefined,
    maxTokensField: 'max_tokens',
    probe: 'models',
    metrics: null,
  },
  sim: {
    kind: 'sim',
    reasoningField: 'reasoning_content',
    thinking: moonshotThinking,
    maxTokensField: 'max_tokens',
    probe: 'health+metrics',
    metrics: { running: 'sim:num_requests_running', waiting: 'sim:num_requests_waiting', generated: 'sim:generation_tokens_total' },
  },
};

/** Sums the samples of one metric across label sets in Prometheus text; null when absent. */
export function metricValue(text: string, name: string): number | null {
  let sum: number | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const value = Number(rest.slice(rest.lastIndexOf('}') + 1).trim().split(/\s+/)[0]);
    if (Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}
