/**
 * Structural edits of YAML as text edits: what changes is exactly what was
 * asked for, and everything else (comments, quoting, order) stays put.
 */
import { parse } from 'yaml';
import { applyPatch, PatchError } from '../../editor/src/model/patch';

const SRC = `# A swarm.
swarm: demo   # the name
version: 1
models:
  fast: { pool: default, model: kimi-k2.6 }
steps:
  # first, think
  - id: think
    llm: fast
    prompt: "Think about ${'${{ inputs.topic }}'}" # quoted on purpose

  - id: fan
    forEach: \${{ steps.think.output }}
    do:
      - id: one
        llm: fast
        prompt: |
          Work on \${{ item }}.
          Carefully.
  - id: gate
    if: \${{ true }}
    then:
      - id: yes
        set: { a: 1 }
output: \${{ steps.fan.output }}
`;

function data(text: string): unknown {
  return parse(text);
}

describe('set', () => {
  test('a scalar: only that scalar changes, its trailing comment stays', () => {
    const out = applyPatch(SRC, { op: 'set', ptr: '/swarm', value: 'other' });
    expect(out).toBe(SRC.replace('swarm: demo   # the name', 'swarm: other   # the name'));
  });

  test('a double-quoted string stays double-quoted', () => {
    const out = applyPatch(SRC, { op: 'set', ptr: '/steps/0/prompt', value: 'Think hard' });
    expect(out).toBe(SRC.replace('prompt: "Think about ${{ inputs.topic }}" # quoted on purpose', 'prompt: "Think hard" # quoted on purpose'));
  });

  test('a new key is appended to its mapping, aligned with its siblings', () => {
    const out = applyPatch(SRC, { op: 'set', ptr: '/steps/0/timeout', value: '30s' });
    expect(out).toBe(SRC.replace('# quoted on purpose\n', '# quoted on purpose\n    timeout: 30s\n'));
  });

  test('a key inside a flow mapping rewrites that mapping in flow style', () => {
    const out = applyPatch(SRC, { op: 'set', ptr: '/models/fast/maxTokens', value: 100 });
    expect(out).toBe(SRC.replace('fast: { pool: default, model: kimi-k2.6 }', 'fast: { pool: default, model: kimi-k2.6, maxTokens: 100 }'));
  });

  test('a block scalar keeps its block style and indentation', () => {
    const out = applyPatch(SRC, { op: 'set', ptr: '/steps/1/do/0/prompt', value: 'Line one\nLine two\n' });
    expect(out).toContain('        prompt: |\n          Line one\n          Line two\n  - id: gate');
    expect(data(out)).toMatchObject({ steps: [{ id: 'think' }, { do: [{ prompt: 'Line one\nLine two\n' }] }, { id: 'gate' }] });
  });

  test('a multi-line value replacing a commented scalar keeps the comment on its first line', () => {
    const out = applyPatch(SRC, { op: 'set', ptr: '/swarm', value: { not: 'a name' } });
    expect(out).toContain('swarm: # the name\n  not: a name\nversion: 1');
  });

  test('a mapping value is diffed key by key', () => {
    const out = applyPatch(SRC, {
      op: 'set',
      ptr: '/steps/0',
      value: { id: 'think', llm: 'fast', prompt: 'Think about ${{ inputs.topic }}', when: '${{ true }}' },
    });
    expect(out).toBe(SRC.replace('# quoted on purpose\n', '# quoted on purpose\n    when: ${{ true }}\n'));
  });

  test('missing parents are created as block mappings', () => {
    const out = applyPatch(SRC, { op: 'set', ptr: '/limits/maxSteps', value: 10 });
    expect(data(out)).toMatchObject({ limits: { maxSteps: 10 } });
    expect(out).toContain('output: ${{ steps.fan.output }}\nlimits:\n  maxSteps: 10\n');
  });

  test('setting the same value changes nothing', () => {
    expect(applyPatch(SRC, { op: 'set', ptr: '/steps/0/llm', value: 'fast' })).toBe(SRC);
  });
});

describe('delete', () => {
  test('a key on its own line goes with its line', () => {
    const out = applyPatch(SRC, { op: 'delete', ptr: '/steps/1/forEach' });
    expect(out).toBe(SRC.replace('    forEach: ${{ steps.think.output }}\n', ''));
  });

  test('the first key of a list item pulls the next key up onto the dash', () => {
    const out = applyPatch(SRC, { op: 'delete', ptr: '/steps/2/id' });
    expect(out).toContain('  - if: ${{ true }}\n    then:');
  });

  test('a list item goes with the comment lines above it', () => {
    const out = applyPatch(SRC, { op: 'delete', ptr: '/steps/0' });
    expect(out).not.toContain('first, think');
    expect(out).toContain('steps:\n\n  - id: fan');
  });

  test('the only item of a list leaves an empty list', () => {
    const out = applyPatch(SRC, { op: 'delete', ptr: '/steps/2/then/0' });
    expect(out).toContain('    then: []\noutput:');
  });

  test('deleting what is not there is a PatchError', () => {
    expect(() => applyPatch(SRC, { op: 'delete', ptr: '/steps/9' })).toThrow(PatchError);
    expect(() => applyPatch(SRC, { op: 'delete', ptr: '/nope' })).toThrow(/nothing to delete/);
  });
});

describe('insert', () => {
  test('a step is rendered at the list indentation', () => {
    const out = applyPatch(SRC, { op: 'insert', list: '/steps', index: 1, value: { id: 'new', sleep: '1s' } });
    expect(out).toContain('quoted on purpose\n\n  - id: new\n    sleep: 1s\n  - id: fan');
  });

  test('appending to a nested list', () => {
    const out = applyPatch(SRC, { op: 'insert', list: '/steps/1/do', index: 1, value: { id: 'two', tool: 'x' } });
    expect(out).toContain('          Carefully.\n      - id: two\n        tool: x\n  - id: gate');
  });

  test('a missing list is created', () => {
    const out = applyPatch(SRC, { op: 'insert', list: '/steps/2/else', index: 0, value: { id: 'no', sleep: '1s' } });
    expect(data(out)).toMatchObject({ steps: [{}, {}, { else: [{ id: 'no', sleep: '1s' }] }] });
    expect(out).toContain('        set: { a: 1 }\n    else:\n      - id: no\n        sleep: 1s\noutput:');
  });

  test('a file without a final newline', () => {
    const out = applyPatch('steps:\n  - id: a\n    sleep: 1s', { op: 'insert', list: '/steps', index: 1, value: { id: 'b', sleep: '2s' } });
    expect(out).toBe('steps:\n  - id: a\n    sleep: 1s\n  - id: b\n    sleep: 2s');
  });
});

describe('move', () => {
  test('down within a list carries the lines and comments verbatim', () => {
    const out = applyPatch(SRC, { op: 'move', from: '/steps/0', list: '/steps', index: 2 });
    const think = '  # first, think\n  - id: think\n    llm: fast\n    prompt: "Think about ${{ inputs.topic }}" # quoted on purpose\n';
    expect(out).toContain('          Carefully.\n' + think + '  - id: gate');
    expect(out.indexOf(think)).toBeGreaterThan(0);
    expect(out.split(think).length).toBe(2);
  });

  test('into a nested list re-indents the lines, block scalars included', () => {
    const out = applyPatch(SRC, { op: 'move', from: '/steps/1/do/0', list: '/steps/2/then', index: 0 });
    expect(out).toContain('    then:\n      - id: one\n        llm: fast\n        prompt: |\n          Work on ${{ item }}.\n          Carefully.\n      - id: yes');
    expect(out).toContain('    do: []\n');
  });

  test('out of a nested list to the top level', () => {
    const out = applyPatch(SRC, { op: 'move', from: '/steps/1/do/0', list: '/steps', index: 0 });
    expect(out).toContain('steps:\n  - id: one\n    llm: fast\n    prompt: |\n      Work on ${{ item }}.\n      Carefully.\n  # first, think');
  });

  test('into a list that does not exist yet', () => {
    const out = applyPatch(SRC, { op: 'move', from: '/steps/0', list: '/steps/2/else', index: 0 });
    expect(data(out)).toMatchObject({ steps: [{ id: 'fan' }, { id: 'gate', else: [{ id: 'think' }] }] });
  });

  test('into itself is refused', () => {
    expect(() => applyPatch(SRC, { op: 'move', from: '/steps/1', list: '/steps/1/do', index: 0 })).toThrow(/into itself/);
  });

  test('to where it already is changes nothing', () => {
    expect(applyPatch(SRC, { op: 'move', from: '/steps/1', list: '/steps', index: 2 })).toBe(SRC);
  });
});
