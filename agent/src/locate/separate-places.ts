/**
 * One original line can sit in several places of a generated script (a bundle of prepared files
 * keeps an instrumented and a plain copy of each function; a minifier inlines a small function at
 * each call; a compiler copies a `finally` block). A breakpoint goes at each place that runs apart
 * from the others: two places inside one statement would stop twice for one execution of the line.
 */
import { childAround, type AstNode } from './ast-node.js';
import type { AnalysedSource } from './source-analysis.js';

/** More places than this are left out: each one is a breakpoint V8 keeps. */
export const MAX_PLACES = 16;

/**
 * Of a line's other generated places (offsets in generated order), those whose statements neither
 * contain nor lie inside the statement of the line's own place (`first`) or of one kept before them.
 */
export function separatePlaces(analysed: AnalysedSource, first: number, others: readonly number[]): number[] {
  const own = statementAt(analysed, skipBlanks(analysed.source, first));
  if (own === undefined) return [];
  const kept: { offset: number; statement: AstNode }[] = [];
  for (const offset of others) {
    if (kept.length === MAX_PLACES - 1) break;
    const statement = statementAt(analysed, skipBlanks(analysed.source, offset));
    if (statement === undefined) continue;
    const overlaps = [own, ...kept.map((k) => k.statement)].some((k) => k.start < statement.end && statement.start < k.end);
    if (!overlaps) kept.push({ offset, statement });
  }
  return kept.map((k) => k.offset);
}

/** A map often points at a line's indentation; the statement starts after it. */
export function skipBlanks(source: string, offset: number): number {
  let at = offset;
  while (at < source.length && /\s/.test(source[at]!)) at++;
  return at;
}

/** The innermost statement or declaration around `offset`. */
function statementAt(analysed: AnalysedSource, offset: number): AstNode | undefined {
  let found: AstNode | undefined;
  let node: AstNode | undefined = analysed.program as unknown as AstNode;
  while (node !== undefined) {
    if (node.type !== 'Program' && (node.type.endsWith('Statement') || node.type.endsWith('Declaration'))) found = node;
    node = childAround(node, offset);
  }
  return found;
}
