/**
 * The parts of the llama-cpp backend that need no model: endpoint options,
 * finding the optional package, and the translation between the canonical
 * chat form and node-llama-cpp's chat history.
 */
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BadRequestError } from '../../activities/inference/errors';
import { LlamaCppBackend, LlamaCppConfigError, LlamaCppUnavailableError, llamaCppSettings } from '../../activities/inference/llama-cpp';
import { toFunctions, toHistory, toResponse } from '../../activities/inference/llama-cpp/messages';
import { findNodeLlamaCpp, LlamaCppNotInstalledError, optionalPrefix } from '../../activities/inference/llama-cpp/package';
import type { ChatRequest } from '../../activities/inference/types';
import { ctx, llamaEndpoint } from './fixtures';

describe('llama-cpp endpoint options', () => {
  test('defaults, relative paths and maxConcurrency as parallel sequences', () => {
    const s = llamaCppSettings(llamaEndpoint('local', { model: './models/x-Q4_K_M.gguf', threads: undefined, gpu: undefined, contextSize: undefined }, { maxConcurrency: 3 }), '/srv/swarm');
    expect(s).toEqual({
      modelPath: '/srv/swarm/models/x-Q4_K_M.gguf',
      contextSize: null,
      threads: null,
      sequences: 3,
      gpu: 'auto',
      gpuLayers: null,
      batchSize: null,
      flashAttention: null,
      seed: null,
      loadTimeoutMs: 300_000,
    });
  });

  test.each([
    [{}, /options\.model must name the GGUF file/],
    [{ model: '' }, /options\.model must name the GGUF file/],
    [{ model: 'm.gguf', contextSize: 0 }, /options\.contextSize must be an integer from 1/],
    [{ model: 'm.gguf', threads: 2.5 }, /options\.threads must be an integer/],
    [{ model: 'm.gguf', gpu: 'tpu' }, /options\.gpu must be auto, false, cuda, vulkan or metal/],
    [{ model: 'm.gguf', gpuLayers: -1 }, /options\.gpuLayers must be a layer count/],
    [{ model: 'm.gguf', flashAttention: 'yes' }, /options\.flashAttention must be true or false/],
    [{ model: 'm.gguf', modelPath: 'x' }, /unknown option "modelPath" \(known: model, contextSize/],
  ])('rejects %j with a message naming the option and the fix', (options, message) => {
    const ep = llamaEndpoint('local', {}, { options });
    expect(() => llamaCppSettings(ep)).toThrow(LlamaCppConfigError);
    expect(() => llamaCppSettings(ep)).toThrow(message);
    expect(() => llamaCppSettings(ep)).toThrow(/^endpoint local \(kind llama-cpp\): .*fix the endpoint's options in inference\.yaml$/);
  });

  test('a misconfigured endpoint comes up down, and its calls fail without retry', async () => {
    const b = new LlamaCppBackend(llamaEndpoint('bad', {}, { options: { contextSize: 'big' } }), ctx);
    const h = await b.probe();
    expect(h.state).toBe('down');
    expect(h.detail).toMatch(/options\.model must name the GGUF file/);
    const err = await b.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { signal: new AbortController().signal, apiKey: undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlamaCppUnavailableError);
    expect(err).toMatchObject({ retryable: false, failover: true, reason: 'config', endpoint: 'bad' });
    await b.close();
  });
});

describe('finding node-llama-cpp', () => {
  test('an empty optional prefix and no project install: the error says how to install it', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'swarmflow-optional-'));
    expect(optionalPrefix({ SWARMFLOW_OPTIONAL_DIR: empty })).toBe(empty);
    const find = (): unknown => findNodeLlamaCpp({ SWARMFLOW_OPTIONAL_DIR: empty });
    expect(find).toThrow(LlamaCppNotInstalledError);
    expect(find).toThrow(/node scripts\/optional-deps\.js llama.*npm install node-llama-cpp@3\.21\.1/);
  });

  test('the default prefix is .swarmflow/optional in the checkout', () => {
    expect(optionalPrefix({})).toBe(path.resolve(__dirname, '..', '..', '.swarmflow', 'optional'));
  });
});

const base: Omit<ChatRequest, 'messages'> = { model: 'local' };

describe('canonical messages <-> node-llama-cpp chat history', () => {
  test('system, user and assistant turns; reasoning as a thought segment; tool results inline with their calls', () => {
    const req: ChatRequest = {
      ...base,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Oslo?' },
        {
          role: 'assistant',
          content: null,
          reasoning: 'I should look it up.',
          toolCalls: [
            { id: 'functions.weather:0', name: 'weather', arguments: '{"city":"Oslo"}' },
            { id: 'functions.clock:1', name: 'clock', arguments: 'not json' },
          ],
        },
        { role: 'tool', toolCallId: 'functions.weather:0', name: 'weather', content: '{"c":3}' },
        { role: 'tool', toolCallId: 'functions.clock:1', name: 'clock', content: 'noon' },
        { role: 'assistant', content: 'Cold, 3 degrees.' },
        { role: 'user', content: 'Thanks' },
      ],
    };
    expect(toHistory(req, 'local')).toEqual([
      { type: 'system', text: 'Be brief.' },
      { type: 'user', text: 'Weather in Oslo?' },
      {
        type: 'model',
        response: [
          { type: 'segment', segmentType: 'thought', text: 'I should look it up.', ended: true },
          { type: 'functionCall', name: 'weather', params: { city: 'Oslo' }, result: { c: 3 } },
          { type: 'functionCall', name: 'clock', params: 'not json', result: 'noon' },
        ],
      },
      { type: 'model', response: ['Cold, 3 degrees.'] },
      { type: 'user', text: 'Thanks' },
    ]);
  });

  test('a tool result no call asked for, or a call nobody answered, is a bad request', () => {
    const orphan: ChatRequest = { ...base, messages: [{ role: 'user', content: 'x' }, { role: 'tool', toolCallId: 'c9', content: 'r' }] };
    expect(() => toHistory(orphan, 'local')).toThrow(BadRequestError);
    expect(() => toHistory(orphan, 'local')).toThrow(/message 1 is a tool result for call "c9", which no assistant turn made/);
    const unanswered: ChatRequest = {
      ...base,
      messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'f', arguments: '{}' }] }],
    };
    expect(() => toHistory(unanswered, 'local')).toThrow(/message 1 calls tool f \(id c1\) but no tool message answers it/);
  });

  test('tools become functions; answers become canonical responses with ids numbered after earlier calls', () => {
    const req: ChatRequest = {
      ...base,
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: null, toolCalls: [{ id: 'functions.f:0', name: 'f', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'functions.f:0', content: 'ok' },
      ],
      tools: [{ name: 'f', description: 'does f', parameters: { type: 'object', properties: {} } }],
    };
    expect(toFunctions(req)).toEqual({ f: { description: 'does f', params: { type: 'object', properties: {} } } });
    expect(toFunctions({ ...base, messages: [] })).toBeNull();
    const done = { t: 'done' as const, id: 1, reasoning: null, promptTokens: 10, completionTokens: 4, firstTokenMs: 1, totalMs: 2 };
    expect(toResponse(req, { ...done, text: '', calls: [{ name: 'f', params: { a: 1 } }], stopReason: 'functionCalls' }, 'local', 'tiny')).toEqual({
      content: null,
      reasoning: null,
      toolCalls: [{ id: 'functions.f:1', name: 'f', arguments: '{"a":1}' }],
      usage: { promptTokens: 10, completionTokens: 4 },
      finishReason: 'tool_calls',
      endpoint: 'local',
      model: 'tiny',
      simulated: false,
    });
    expect(toResponse(req, { ...done, text: 'abc', calls: [], stopReason: 'maxTokens' }, 'local', 'tiny').finishReason).toBe('length');
    expect(toResponse(req, { ...done, text: 'abc', calls: [], stopReason: 'eogToken' }, 'local', 'tiny').finishReason).toBe('stop');
  });
});
