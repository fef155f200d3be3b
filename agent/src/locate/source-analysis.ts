/**
 * A loaded script parsed once (acorn) with its scopes analysed (scope-pass.ts, the pass the
 * prepare transform uses too), for naming the function around a line and for listing the
 * variables a snapshot captures there. Nodes carry offsets only (no `loc`, no `range`): four
 * objects fewer per node in a one-off analysis the worker drops soon after.
 */
import { parse, type Program } from 'acorn';
import type { AstNode } from './ast-node.js';
import { analyseScopes, type ScopeAnalysis } from './scope-pass.js';

export interface AnalysedSource {
  program: Program;
  scopes: ScopeAnalysis;
  /** Offset of the first character of each line (index 0 is line 1). */
  lineStarts: number[];
  source: string;
}

const OPTIONS = { ecmaVersion: 'latest', allowHashBang: true, allowReturnOutsideFunction: true } as const;

/** undefined when neither a module nor a script parse succeeds (the file is not plain JavaScript). */
export function analyseSource(source: string): AnalysedSource | undefined {
  for (const sourceType of ['module', 'script'] as const) {
    let program: Program;
    try {
      program = parse(source, { ...OPTIONS, sourceType });
    } catch {
      continue;
    }
    // CommonJS files run inside Node's module wrapper function: analyse them that way.
    const scopes = analyseScopes(program as unknown as AstNode, sourceType === 'module' ? 'module' : 'commonjs');
    const lineStarts = [0];
    for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    return { program, scopes, lineStarts, source };
  }
  return undefined;
}

/** 1-based line and 0-based column of an offset. */
export function positionOf(analysed: AnalysedSource, offset: number): { line: number; column: number } {
  let low = 0;
  let high = analysed.lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (analysed.lineStarts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: offset - analysed.lineStarts[low]! };
}

/** Offset of a 1-based line and 0-based column (column undefined: the line's first non-blank character). */
export function offsetOf(analysed: AnalysedSource, line: number, column?: number): number {
  const start = analysed.lineStarts[line - 1] ?? analysed.source.length;
  if (column !== undefined) return start + column;
  let i = start;
  while (i < analysed.source.length && (analysed.source[i] === ' ' || analysed.source[i] === '\t')) i++;
  return i;
}
