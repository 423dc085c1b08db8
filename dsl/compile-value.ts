/**
 * Values with `${{ }}` holes -> ValueIR, with every expression parsed and
 * checked in the scope where it will run.
 */
import type { ValueIR } from './ir';
import type { CompileContext } from './compile-context';
import { report } from './compile-context';
import { checkExpression } from './expr-check';
import type { ExprScope } from './expr-check';
import { isMap, toJson } from './json';
import { join } from './pointer';
import { quote, subjectOf } from './describe';
import { hasExpression, scanTemplate } from './template';

const ARTICLE: Record<string, string> = { int: 'an int', uint: 'a uint' };

function typeWords(type: string): string {
  return ARTICLE[type] ?? `a ${type}`;
}

function shown(src: string): string {
  return `\${{ ${src.length > 60 ? `${src.slice(0, 59)}…` : src} }}`;
}

/** One string: literal text, a whole-value expression, or a template. Returns null (and reports) on errors. */
function compileString(ctx: CompileContext, s: string, ptr: string, scope: ExprScope): { value: ValueIR; type: string | null; kind: 'text' | 'expr' | 'template' } | null {
  if (!hasExpression(s)) return { value: s, type: 'string', kind: 'text' };
  const scan = scanTemplate(s);
  if (!scan.ok) {
    const subject = subjectOf(ctx.root, ptr);
    if (scan.reason === 'unclosed') {
      report(ctx, 'SF301', ptr, `${subject} opens an expression with \${{ that is never closed with }}`, { offset: scan.offset });
    } else report(ctx, 'SF302', ptr, `${subject} has an empty expression \${{ }}; write an expression or remove it`, { offset: scan.offset });
    return null;
  }
  let ok = true;
  let type: string | null = null;
  const parts: (string | { $expr: string })[] = [];
  for (const part of scan.parts) {
    if (part.kind === 'text') {
      parts.push(part.text);
      continue;
    }
    const checked = checkExpression(part.src, scope, ctx.facts);
    for (const issue of checked.issues) {
      report(ctx, issue.code, ptr, `${subjectOf(ctx.root, ptr)}: ${shown(part.src)} ${issue.message}`, { offset: part.at + issue.offset });
      ok = false;
    }
    type = checked.type;
    parts.push({ $expr: part.src });
  }
  if (!ok) return null;
  const only = parts[0];
  if (parts.length === 1 && typeof only === 'object') return { value: only, type, kind: 'expr' };
  return { value: { $tmpl: parts }, type: 'string', kind: 'template' };
}

/** Any value of a field that takes expressions (prompt, with, set, output...). */
export function compileValue(ctx: CompileContext, v: unknown, ptr: string, scope: ExprScope): ValueIR {
  if (typeof v === 'string') return compileString(ctx, v, ptr, scope)?.value ?? null;
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map((x, i) => compileValue(ctx, x, join(ptr, i), scope));
  if (isMap(v)) {
    const keys = Object.keys(v);
    // A mapping with `$` keys (a JSON Schema, say) is kept whole and literal, so
    // it can never be mistaken for the IR's own { $expr } / { $tmpl } forms.
    if (keys.some((k) => k.startsWith('$'))) return { $lit: toJson(v) };
    const entries: [string, ValueIR][] = keys.map((k) => [k, compileValue(ctx, v[k], join(ptr, k), scope)]);
    return Object.fromEntries(entries);
  }
  return null;
}

/** `when`, `if`, `until`: true/false or one expression that yields a bool. */
export function compileCondition(ctx: CompileContext, v: unknown, ptr: string, scope: ExprScope): ValueIR {
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') return null; // the schema reports the type
  const compiled = compileString(ctx, v, ptr, scope);
  if (!compiled) return null;
  const subject = subjectOf(ctx.root, ptr);
  if (compiled.kind !== 'expr') {
    report(ctx, 'SF309', ptr, `${subject} must be one \${{ }} expression or true/false, not the text ${quote(v)}`);
    return null;
  }
  const type = compiled.type ?? 'dyn';
  if (type !== 'bool' && type !== 'dyn') {
    report(ctx, 'SF309', ptr, `${subject} must be a condition (a bool), but ${shown(exprText(compiled.value))} is ${typeWords(type)}`);
    return null;
  }
  return compiled.value;
}

/** `forEach`: a list, or one expression that yields a list. */
export function compileItems(ctx: CompileContext, v: unknown, ptr: string, scope: ExprScope): ValueIR {
  if (Array.isArray(v)) return compileValue(ctx, v, ptr, scope);
  if (typeof v !== 'string') return null;
  const compiled = compileString(ctx, v, ptr, scope);
  if (!compiled) return null;
  const subject = subjectOf(ctx.root, ptr);
  if (compiled.kind !== 'expr') {
    report(ctx, 'SF310', ptr, `${subject} must be one \${{ }} expression or a list, not the text ${quote(v)}`);
    return null;
  }
  const type = compiled.type ?? 'dyn';
  if (type !== 'dyn' && !type.startsWith('list')) {
    report(ctx, 'SF310', ptr, `${subject} must be a list, but ${shown(exprText(compiled.value))} is ${typeWords(type)}`);
    return null;
  }
  return compiled.value;
}

function exprText(v: ValueIR): string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return '';
  const e: unknown = Reflect.get(v, '$expr');
  return typeof e === 'string' ? e : '';
}

/** Fields that take literal text: an expression there is a mistake worth naming. */
export function requireLiteral(ctx: CompileContext, v: unknown, ptr: string): void {
  if (typeof v === 'string') {
    if (hasExpression(v)) {
      report(
        ctx,
        'SF213',
        ptr,
        `${subjectOf(ctx.root, ptr)} holds a \${{ }} expression, but it is literal text; put expressions in a step's prompt, with or set`,
        { offset: v.indexOf('${{') },
      );
    }
  } else if (Array.isArray(v)) v.forEach((x, i) => requireLiteral(ctx, x, join(ptr, i)));
  else if (isMap(v)) for (const k of Object.keys(v)) requireLiteral(ctx, v[k], join(ptr, k));
}
