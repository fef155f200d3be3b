/**
 * Whether a breakpoint's statement is a `throw` whose every run ends at its own throw, in its own
 * frame, before anything else can run that statement: what main/throw-reruns.ts relies on to tell
 * V8's second run of the breakpoint's condition at the throw from the next hit.
 */
import { type AstNode, isFunction, isNode } from './ast-node.js';
import type { AnalysedSource } from './source-analysis.js';
import { statementAt } from './statement-start.js';

/**
 * True when the statement holding `offset` is a `throw` with no `await` or `yield` in its
 * operand: one that suspends lets another run of the same statement begin before it throws.
 */
export function throwStatementAt(analysed: AnalysedSource, offset: number): boolean {
  const statement = statementAt(analysed, offset);
  return statement?.type === 'ThrowStatement' && !suspends(statement.argument as AstNode);
}

/** Whether `node` holds an `await` or a `yield` of its own function (a nested function's are its own). */
function suspends(node: AstNode): boolean {
  if (node.type === 'AwaitExpression' || node.type === 'YieldExpression') return true;
  if (isFunction(node)) return false;
  for (const value of Object.values(node)) {
    for (const child of Array.isArray(value) ? value : [value]) if (isNode(child) && suspends(child)) return true;
  }
  return false;
}
