/**
 * An example user tool kind: counts the words of a text.
 *
 * Register it in the worker configuration (see docs/tools.md):
 *
 *   toolModules: [./examples/tools/word-count.js]
 *
 * and use it in a definition:
 *
 *   tools:
 *     count: { uses: example.word-count, with: { maxChars: 100000 } }
 *
 * The module is plain CommonJS and needs nothing from swarmflow: a tool kind
 * is an object with a name, schemas and an async `run`. The worker validates
 * the arguments against `argsSchema` before `run` sees them, and the result
 * against `resultSchema` after.
 */
'use strict';

/** @type {import('../../activities/tools/types').ToolKind} */
const wordCount = {
  uses: 'example.word-count',
  description: 'Count the words, lines and characters of a text.',
  effect: 'read',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { maxChars: { type: 'integer', minimum: 1, maximum: 10000000 } },
  },
  argsSchema(config) {
    return {
      type: 'object',
      additionalProperties: false,
      required: ['text'],
      properties: { text: { type: 'string', maxLength: config.maxChars || 1000000 } },
    };
  },
  resultSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['words', 'lines', 'chars'],
    properties: { words: { type: 'integer' }, lines: { type: 'integer' }, chars: { type: 'integer' } },
  },
  async run(args) {
    const text = args.text;
    const words = text.split(/\s+/).filter((w) => w.length > 0).length;
    const lines = text === '' ? 0 : text.split('\n').length;
    return { words, lines, chars: [...text].length };
  },
};

module.exports = wordCount;
