/**
 * Generators of expression text: random CEL (and things that look like
 * JavaScript), and the escape corpus rewritten so that a denylist would miss
 * it (unicode escapes, concatenation, nesting, backticks, invisible
 * characters).
 */
import fc from 'fast-check';

/** Names a generated expression may read: the real scope, locals, and names of the host. */
export const NAMES = [
  'inputs', 'steps', 'run', 'item', 'index', 'iteration', 'sub', 'x', 'cel',
  '__proto__', 'constructor', 'prototype', 'this', 'globalThis', 'process', 'require', 'sfFuzzTrap', 'sfFuzzCanary', 'Function', 'eval',
] as const;

const FIELDS = [
  'x', 'list', 'topic', 'count', 's0', 's1', 'output', 'status', 'iteration', 'id', 'startedAt', 'a', 'b',
  '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'length', 'env', 'mainModule', 'sfFuzzTrap', '__defineGetter__',
];

const FUNCTIONS = [
  'size', 'has', 'string', 'int', 'uint', 'double', 'bytes', 'bool', 'dyn', 'type', 'timestamp', 'duration', 'matches', 'contains', 'startsWith', 'endsWith',
  'lowerAscii', 'upperAscii', 'trim', 'split', 'join', 'replace', 'indexOf', 'substring', 'charAt', 'format', 'getHours', 'getDayOfYear', 'math.max', 'base64',
  'constructor', 'toString', 'require', 'eval', 'Function', 'apply', 'call', 'bind',
];

const MACROS = ['map', 'filter', 'all', 'exists', 'exists_one'];

const BINARY = ['+', '-', '*', '/', '%', '==', '!=', '<', '<=', '>', '>=', '&&', '||', 'in'];

/** CEL string literals of every form, holding text that matters. */
const stringLiteral: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('"__proto__"', '"constructor"', '"prototype"', '"return process"', '"${{"', '"}}"', "'}}'", '"\\u005f\\u005fproto\\u005f\\u005f"', '"\\x5f\\x5f"', '"\\137"', 'r"\\u0041"', '"""a\nb"""', "'''}}'''", 'b"\\xff"', '""', '"\\uD800"', '"\\U0010FFFF"'),
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
  fc.string({ maxLength: 8, unit: 'binary' }).map((s) => `"${s.replace(/["\\\n\r]/g, '')}"`),
);

const numberLiteral: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.constantFrom('0', '1u', '0x7fffffffffffffff', '9223372036854775807', '-9223372036854775808', '18446744073709551615u', '1e308', '1.0', '-0.0', '.5', '1e-400', '0xFFu', '9007199254740993'),
);

const atom: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NAMES) },
  { weight: 2, arbitrary: stringLiteral },
  { weight: 2, arbitrary: numberLiteral },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null', '[]', '{}', 'int', 'string', 'type') },
);

/** Random CEL expressions, mostly well-formed, reading names and fields that exist and that must not. */
export const celExpression: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('e'), fc.constantFrom(...FIELDS)).map(([e, f]) => `${e}.${f}`),
    fc.tuple(tie('e'), tie('e')).map(([e, i]) => `${e}[${i}]`),
    fc.tuple(tie('e'), fc.constantFrom(...BINARY), tie('e')).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(fc.constantFrom('-', '!'), tie('e')).map(([op, e]) => `${op}${e}`),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([c, a, b]) => `${c} ? ${a} : ${b}`),
    fc.tuple(fc.constantFrom(...FUNCTIONS), fc.array(tie('e'), { maxLength: 3 })).map(([f, args]) => `${f}(${args.join(', ')})`),
    fc.tuple(tie('e'), fc.constantFrom(...FUNCTIONS), fc.array(tie('e'), { maxLength: 2 })).map(([r, f, args]) => `${r}.${f}(${args.join(', ')})`),
    fc.tuple(tie('e'), fc.constantFrom(...MACROS), fc.constantFrom('v', 'x', '__proto__', 'constructor', 'inputs'), tie('e')).map(([r, m, v, body]) => `${r}.${m}(${v}, ${body})`),
    fc.tuple(fc.constantFrom('v', '__proto__', 'this'), tie('e'), tie('e')).map(([v, val, body]) => `cel.bind(${v}, ${val}, ${body})`),
    fc.array(tie('e'), { maxLength: 4 }).map((xs) => `[${xs.join(', ')}]`),
    fc.array(fc.tuple(fc.oneof(stringLiteral, atom), tie('e')), { maxLength: 3 }).map((kv) => `{${kv.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
    tie('e').map((e) => `(${e})`),
  ),
})).e;

/** Fragments of JavaScript and of the template syntax itself, glued into expressions. */
const NOISE = ['`', '${', '}', '}}', '${{', '{{', '=>', ';', '//', '/*', '*/', '?.', '.?', '??', '...', '=', 'new ', 'function', 'return', '\\', '"', "'", '\u0000', '\uD800', '\uFEFF', '\u202E', '\u200B', '\r\n', '\n', '#', '\t'];

/** Anything at all between `${{` and `}}`: CEL, CEL with noise spliced in, or random characters. */
export const anyExpression: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: celExpression },
  {
    weight: 3,
    arbitrary: fc.tuple(celExpression, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...NOISE)), { minLength: 1, maxLength: 3 })).map(([e, edits]) => {
      let s = e;
      for (const [at, n] of edits) {
        const i = at % (s.length + 1);
        s = s.slice(0, i) + n + s.slice(i);
      }
      return s;
    }),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40, unit: 'binary' }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40, unit: fc.constantFrom('(', ')', '[', ']', '{', '}', '.', ',', '"', "'", '`', '$', 'a', '_', '1', ' ', '?', ':', '!', '+', '\\', 'u') }) },
);

/** Rewrites of an escape payload that mean the same to a careless evaluator. */
export type Disguise = 'plain' | 'unicode-escape' | 'hex-escape' | 'concat' | 'nested-template' | 'backticks' | 'invisible' | 'parens' | 'dyn' | 'bind' | 'spaces';

export const DISGUISES: readonly Disguise[] = ['plain', 'unicode-escape', 'hex-escape', 'concat', 'nested-template', 'backticks', 'invisible', 'parens', 'dyn', 'bind', 'spaces'];

const SENSITIVE = /__proto__|constructor|prototype|process|globalThis|require|sfFuzzTrap/g;

function unicodeEscape(word: string): string {
  return [...word].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
}

export function disguise(payload: string, how: Disguise): string {
  switch (how) {
    case 'plain':
      return payload;
    case 'unicode-escape':
      // Inside string literals the escape is a real character; outside it is a syntax error: both must be harmless.
      return payload.replace(SENSITIVE, (w) => unicodeEscape(w));
    case 'hex-escape':
      return payload.replace(SENSITIVE, (w) => [...w].map((c) => `\\x${c.charCodeAt(0).toString(16)}`).join(''));
    case 'concat':
      return payload.replace(/"([^"\\]{2,})"/g, (_m, s: string) => `"${s.slice(0, 1)}" + "${s.slice(1)}"`);
    case 'nested-template':
      return `"\${{ " + ${JSON.stringify(payload)} + " }}"`;
    case 'backticks':
      return `\`\${${payload}}\``;
    case 'invisible':
      return payload.replace(SENSITIVE, (w) => `${w.slice(0, 2)}\u200b${w.slice(2)}`);
    case 'parens':
      return `((${payload}))`;
    case 'dyn':
      return `dyn(${payload})`;
    case 'bind':
      return `cel.bind(v, ${payload}, v)`;
    case 'spaces':
      return payload.replace(/\./g, ' . ').replace(/\(/g, ' ( ');
  }
}
