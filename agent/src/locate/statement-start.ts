/**
 * Where the statement around a position starts: for a line a minifier folded into another
 * statement's expression (terser's `return !(…) && (s.stock -= t, …)`), the place to put an
 * action that must run before that line's code.
 */
import { type AstNode, childAround, isFunction } from './ast-node.js';
import type { AnalysedSource } from './source-analysis.js';

/**
 * The innermost statement holding `offset` in the same function; undefined when there is none
 * (an arrow's expression body: a statement outside it runs at other times).
 */
export function statementAt(analysed: AnalysedSource, offset: number): AstNode | undefined {
  let statement: AstNode | undefined;
  let node: AstNode | undefined = analysed.program as unknown as AstNode;
  while (node !== undefined) {
    if (isFunction(node) || node.type === 'ClassDeclaration' || node.type === 'ClassExpression') statement = undefined;
    else if (node.type.endsWith('Statement') || node.type === 'VariableDeclaration') statement = node;
    node = childAround(node, offset);
  }
  return statement;
}

/** The start offset of statementAt's statement. */
export function statementStartAt(analysed: AnalysedSource, offset: number): number | undefined {
  return statementAt(analysed, offset)?.start;
}

/** The innermost function around `offset`; undefined in the file's top-level code. */
export function functionAround(analysed: AnalysedSource, offset: number): AstNode | undefined {
  let found: AstNode | undefined;
  let node: AstNode | undefined = analysed.program as unknown as AstNode;
  while (node !== undefined) {
    if (isFunction(node)) found = node;
    node = childAround(node, offset);
  }
  return found;
}
