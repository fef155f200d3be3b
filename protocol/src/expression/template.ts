import type { CheckedTemplate, TemplatePart } from './ast.js';
import { checkExpression } from './check.js';
import { ExpressionError } from './errors.js';

export const MAX_TEMPLATE_LENGTH = 4000;

/**
 * Checks a log template such as `order {order.id} for {user.name}`. `{{` and `}}` stand for
 * literal braces. Every `{…}` is an expression of the same language as conditions.
 */
export function checkTemplate(source: string): CheckedTemplate {
  if (source.length > MAX_TEMPLATE_LENGTH) {
    throw new ExpressionError(
      source.slice(0, 40) + '…',
      0,
      'template',
      `is ${source.length} characters long; the limit is ${MAX_TEMPLATE_LENGTH}`,
      'log fewer values per action',
    );
  }
  const parts: TemplatePart[] = [];
  const roots: string[] = [];
  let usesThis = false;
  let text = '';
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '{' && source[i + 1] === '{') {
      text += '{';
      i += 2;
      continue;
    }
    if (ch === '}' && source[i + 1] === '}') {
      text += '}';
      i += 2;
      continue;
    }
    if (ch === '}') {
      throw new ExpressionError(source, i, 'unmatched `}`', 'there is no `{` before it', 'write `}}` for a literal brace');
    }
    if (ch !== '{') {
      text += ch;
      i += 1;
      continue;
    }
    const close = findClose(source, i + 1);
    if (close === -1) {
      throw new ExpressionError(
        source,
        i,
        'unclosed `{`',
        'the expression has no closing `}`',
        'close it, or write `{{` for a literal brace',
      );
    }
    const inner = source.slice(i + 1, close);
    if (inner.trim() === '')
      throw new ExpressionError(
        source,
        i,
        'empty `{}`',
        'there is no expression inside',
        'write `{variable}` or `{{}}` for literal braces',
      );
    let checked: ReturnType<typeof checkExpression>;
    try {
      checked = checkExpression(inner);
    } catch (err) {
      throw err instanceof ExpressionError ? err.within(source, i + 1) : err;
    }
    if (text !== '') {
      parts.push({ text });
      text = '';
    }
    parts.push({ source: inner.trim(), offset: i + 1, expr: checked.expr });
    for (const r of checked.roots) if (!roots.includes(r)) roots.push(r);
    usesThis ||= checked.usesThis;
    i = close + 1;
  }
  if (text !== '') parts.push({ text });
  return { source, parts, roots, usesThis };
}

/** Finds the `}` closing an expression that starts at `from`, skipping string literals and nested brackets. */
function findClose(source: string, from: number): number {
  let depth = 0;
  for (let i = from; i < source.length; i++) {
    const ch = source[i];
    if (ch === '"' || ch === "'" || ch === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== ch) j += source[j] === '\\' ? 2 : 1;
      if (j >= source.length) return -1;
      i = j;
    } else if (ch === '{' || ch === '[' || ch === '(') depth++;
    else if (ch === ']' || ch === ')') depth--;
    else if (ch === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}
