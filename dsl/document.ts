/**
 * YAML text -> a `yaml` Document (ranges kept, for locating errors and for
 * round trips) and plain JSON data, refusing hostile input on the way.
 *
 * Core schema only; no custom tags, no merge keys. Refused, each with a
 * located error: more than 1 MiB, more than 100 aliases, nesting deeper than
 * 64, duplicate keys, `__proto__`/`constructor`/`prototype` keys, non-finite
 * numbers, keys that are not plain strings, several documents in one file.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument as parseYaml } from 'yaml';
import type { Alias, Document, Node, YAMLMap, YAMLSeq } from 'yaml';
import type { Problem } from './diagnostic';
import { DOCUMENT_LIMITS, deepNestingOffset, exceedsSize } from './prescan';
import { join } from './pointer';
import { LineIndex } from './lines';
import { readCommonYaml } from './fast-yaml';

export interface SourceText {
  file: string;
  text: string;
  /**
   * The parsed document; null when the text was refused before parsing.
   * When the fast path (dsl/fast-yaml.ts) read the data, the document is
   * parsed on first read of this property, from the same text with the
   * same options: only locating a diagnostic or editing the source needs it.
   */
  readonly doc: Document | null;
  lines: LineIndex;
}

export interface ParseOptions {
  /**
   * Read the common subset of YAML straight to data and parse the full
   * Document only when it is needed (default true). False always parses
   * the Document first: the reference the fast path is tested against.
   */
  fastPath?: boolean;
}

export interface ParsedSource extends SourceText {
  /** The document as plain JSON data; undefined when it cannot be trusted (syntax errors, refused input). */
  value: unknown;
  problems: Problem[];
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const CORE_TAGS = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`),
);

/** The `yaml` package's options for a swarm file: core schema only, duplicate keys reported by TreeReader. */
const YAML_OPTIONS = {
  schema: 'core',
  version: '1.2',
  merge: false,
  uniqueKeys: false, // reported below, with both places named
  prettyErrors: false,
  strict: true,
} as const;

export function parseSource(text: string, file: string, options: ParseOptions = {}): ParsedSource {
  const lines = new LineIndex(text);
  const refused = (problem: Problem): ParsedSource => ({ file, text, lines, doc: null, value: undefined, problems: [problem] });

  const bytes = exceedsSize(text);
  if (bytes !== null) {
    return refused({
      code: 'SF001',
      ptr: '',
      sourceOffset: 0,
      message: `the document is ${bytes.toLocaleString('en-US')} bytes; the limit is 1 MiB (${DOCUMENT_LIMITS.maxBytes.toLocaleString('en-US')} bytes)`,
    });
  }
  const deep = deepNestingOffset(text);
  if (deep !== null) return refused(tooDeep('', deep));

  if (options.fastPath !== false) {
    const value = readCommonYaml(text);
    if (value !== null) return lazySource(file, text, lines, value);
  }

  const doc = parseYaml(text, YAML_OPTIONS);

  const problems: Problem[] = [];
  for (const err of doc.errors) {
    const offset = err.pos[0];
    if (err.code === 'MULTIPLE_DOCS') {
      problems.push({
        code: 'SF008',
        ptr: '',
        sourceOffset: offset,
        message: 'the file holds more than one YAML document; put one swarm definition in each file',
      });
    } else {
      problems.push({ code: 'SF006', ptr: '', sourceOffset: offset, message: `YAML syntax error: ${yamlMessage(err.message)}` });
    }
  }
  if (problems.length > 0) return { file, text, lines, doc, value: undefined, problems };

  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === ''))) {
    problems.push({
      code: 'SF009',
      ptr: '',
      sourceOffset: 0,
      message: 'the document is empty; a swarm definition is a mapping with at least swarm, version and steps',
    });
    return { file, text, lines, doc, value: undefined, problems };
  }

  if (!isMap(contents)) {
    problems.push({
      code: 'SF009',
      ptr: '',
      sourceOffset: contents.range?.[0] ?? 0,
      message: 'the document must be a mapping with at least swarm, version and steps',
    });
    return { file, text, lines, doc, value: undefined, problems };
  }

  const reader = new TreeReader(doc, problems, lines);
  const value = reader.read(contents, 1, '');
  if (reader.fatal) return { file, text, lines, doc, value: undefined, problems };
  return { file, text, lines, doc, value, problems };
}

/**
 * The fast path's answer: its data, no problems (it reads only text the full
 * path would accept), and the Document parsed when first asked for.
 */
function lazySource(file: string, text: string, lines: LineIndex, value: unknown): ParsedSource {
  let doc: Document | undefined;
  return {
    file,
    text,
    lines,
    value,
    problems: [],
    get doc(): Document {
      doc ??= parseYaml(text, YAML_OPTIONS);
      return doc;
    },
  };
}

/** The yaml package's message without its position suffix, as a plain clause. */
function yamlMessage(message: string): string {
  const first = (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '').trim();
  return first.length > 0 ? first.charAt(0).toLowerCase() + first.slice(1) : 'unreadable YAML';
}

function tooDeep(ptr: string, offset: number): Problem {
  return {
    code: 'SF003',
    ptr,
    sourceOffset: offset,
    message: `the document nests deeper than ${DOCUMENT_LIMITS.maxDepth} levels; flatten it`,
  };
}

/** Nodes that aliases may add to the data, in total (a billion laughs stops here). */
const MAX_ALIAS_EXPANSION = 100_000;

interface Built {
  value: unknown;
  /** Nodes in the subtree, aliases counted as what they stand for. */
  size: number;
  /** Nesting levels the subtree adds. */
  height: number;
}

/**
 * One recursive pass over the tree that checks it (exact depth, aliases,
 * tags, keys, numbers) and builds its plain JSON data, so the document is
 * walked once. Recursion is bounded: nothing deeper than the limit is entered.
 */
class TreeReader {
  fatal = false;
  private aliases = 0;
  private aliasFailed = false;
  private expansion = 0;
  private readonly anchored = new Map<Node, Built>();
  private readonly open = new Set<Node>();

  constructor(
    private readonly doc: Document,
    private readonly problems: Problem[],
    private readonly lines: LineIndex,
  ) {}

  read(node: Node, depth: number, ptr: string): unknown {
    return this.build(node, depth, ptr).value;
  }

  private fail(problem: Problem): Built {
    this.problems.push(problem);
    this.fatal = true;
    return { value: null, size: 1, height: 0 };
  }

  private build(node: Node, depth: number, ptr: string): Built {
    const offset = node.range?.[0] ?? 0;
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
      this.problems.push({
        code: 'SF007',
        ptr,
        sourceOffset: offset,
        message: `the tag ${node.tag.replace(/^tag:yaml\.org,2002:/, '!!')} is not allowed; swarm files are plain YAML (core schema) without tags`,
      });
      this.fatal = true;
    }
    if (isAlias(node)) return this.alias(node, depth, ptr, offset);
    if (isScalar(node)) {
      const v: unknown = node.value;
      if (typeof v === 'number' && !Number.isFinite(v)) {
        return this.fail({ code: 'SF103', ptr, sourceOffset: offset, message: `${String(node.source ?? v)} is not a JSON number; use a finite number` });
      }
      if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        return this.fail({ code: 'SF007', ptr, sourceOffset: offset, message: 'this value is not a plain string, number, boolean or null' });
      }
      const built: Built = { value: v, size: 1, height: 0 };
      if (node.anchor !== undefined) this.anchored.set(node, built);
      return built;
    }
    if (depth > DOCUMENT_LIMITS.maxDepth) return this.fail(tooDeep(ptr, offset));
    if (node.anchor !== undefined) this.open.add(node);
    let built: Built;
    if (isSeq(node)) built = this.seq(node, depth, ptr);
    else if (isMap(node)) built = this.map(node, depth, ptr);
    else built = { value: null, size: 1, height: 0 };
    if (node.anchor !== undefined) {
      this.open.delete(node);
      this.anchored.set(node, built);
    }
    return built;
  }

  private seq(node: YAMLSeq, depth: number, ptr: string): Built {
    const out: unknown[] = [];
    let size = 1;
    let height = 0;
    node.items.forEach((item, i) => {
      if (!isNodeLike(item)) {
        out.push(null);
        return;
      }
      const b = this.build(item, depth + 1, join(ptr, i));
      out.push(b.value);
      size += b.size;
      if (b.height > height) height = b.height;
    });
    return { value: out, size, height: height + 1 };
  }

  private map(node: YAMLMap, depth: number, ptr: string): Built {
    const entries: [string, unknown][] = [];
    const seen = new Map<string, number>();
    let size = 1;
    let height = 0;
    for (const pair of node.items) {
      const key: unknown = pair.key;
      const offset = node.range?.[0] ?? 0;
      if (!isScalar(key) || key.value === null || typeof key.value === 'object') {
        this.fail({
          code: 'SF012',
          ptr,
          sourceOffset: isNodeLike(key) ? (key.range?.[0] ?? offset) : offset,
          message: 'keys must be plain strings; this key is empty, a list, a mapping or an alias',
        });
        continue;
      }
      const name = String(key.value);
      const keyOffset = key.range?.[0] ?? offset;
      const childPtr = join(ptr, name);
      if (key.tag !== undefined && !CORE_TAGS.has(key.tag)) {
        this.fail({ code: 'SF007', ptr: childPtr, sourceOffset: keyOffset, message: `the tag ${key.tag} is not allowed; swarm files are plain YAML (core schema) without tags` });
      }
      if (FORBIDDEN_KEYS.has(name)) {
        this.fail({ code: 'SF005', ptr: childPtr, sourceOffset: keyOffset, message: `the key "${name}" is not allowed anywhere in a swarm definition; rename it` });
        continue;
      }
      const first = seen.get(name);
      if (first !== undefined) {
        this.problems.push({
          code: 'SF004',
          ptr: childPtr,
          sourceOffset: keyOffset,
          message: `the key "${name}" appears twice in this mapping (first on line ${this.lines.position(first).line}); keep one`,
        });
        continue;
      }
      seen.set(name, keyOffset);
      const value: unknown = pair.value;
      const b = isNodeLike(value) ? this.build(value, depth + 1, childPtr) : { value: null, size: 1, height: 0 };
      entries.push([name, b.value]);
      size += b.size;
      if (b.height > height) height = b.height;
    }
    // fromEntries defines own properties: no key can reach a prototype.
    return { value: Object.fromEntries(entries), size, height: height + 1 };
  }

  private alias(node: Alias, depth: number, ptr: string, offset: number): Built {
    // After one alias problem, later aliases would only repeat it.
    if (this.aliasFailed) return { value: null, size: 1, height: 0 };
    const fail = (p: Problem): Built => {
      this.aliasFailed = true;
      return this.fail(p);
    };
    this.aliases++;
    if (this.aliases === DOCUMENT_LIMITS.maxAliases + 1) {
      return fail({
        code: 'SF002',
        ptr,
        sourceOffset: offset,
        message: `the document uses more than ${DOCUMENT_LIMITS.maxAliases} aliases; write the repeated parts out`,
      });
    }
    const target = node.resolve(this.doc);
    if (target === undefined) {
      return fail({ code: 'SF010', ptr, sourceOffset: offset, message: `the alias *${node.source} refers to no anchor &${node.source} defined before it` });
    }
    const built = this.anchored.get(target);
    if (!built || this.open.has(target)) {
      return fail({ code: 'SF010', ptr, sourceOffset: offset, message: `the alias *${node.source} refers to a node that contains it; a document cannot contain itself` });
    }
    if (depth - 1 + built.height > DOCUMENT_LIMITS.maxDepth) return fail(tooDeep(ptr, offset));
    this.expansion += built.size;
    if (this.expansion > MAX_ALIAS_EXPANSION) {
      return fail({
        code: 'SF011',
        ptr,
        sourceOffset: offset,
        message: 'aliases in this document expand to too much data; write the repeated parts out or use fewer aliases',
      });
    }
    return built;
  }
}

function isNodeLike(v: unknown): v is Node {
  return isScalar(v) || isMap(v) || isSeq(v) || isAlias(v);
}


