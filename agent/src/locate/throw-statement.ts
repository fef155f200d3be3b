/**
 * How a breakpoint's statement can throw in its own frame, which decides how the hook tells V8's
 * second run of the breakpoint's condition at a throw from a hit (main/throw-reruns.ts,
 * main/raise-reruns.ts).
 */
import { type AstNode, isFunction, isNode } from './ast-node.js';
import type { AnalysedSource } from './source-analysis.js';
import { statementAt } from './statement-start.js';

/**
 * `throw`: a `throw` statement whose every run ends at its own throw, in its own frame, before
 * anything else can run that statement. `raise`: any other statement that can throw in its own
 * frame (a call, a `new`, a property read, destructuring, a `for … of`: a call to a non-function,
 * a builtin that throws, a read of `null`), a `throw await …` included. `none`: one that cannot
 * (an awaited rejection is thrown without V8 running the conditions again).
 */
export type ThrowKind = 'throw' | 'raise' | 'none';

/** Nodes through which a statement throws in its own frame; a nested function's are its own. */
const RAISING = new Set([
  'CallExpression',
  'NewExpression',
  'MemberExpression',
  'TaggedTemplateExpression',
  'ObjectPattern',
  'ArrayPattern',
  'SpreadElement',
  'ForOfStatement',
  'ForInStatement',
]);

/** One that suspends lets another run of the same statement begin before it throws. */
const SUSPENDING = new Set(['AwaitExpression', 'YieldExpression']);

export function throwKindAt(analysed: AnalysedSource, offset: number): ThrowKind {
  const statement = statementAt(analysed, offset);
  if (statement === undefined) return 'none';
  if (statement.type === 'ThrowStatement') return holds(statement.argument as AstNode, SUSPENDING) ? 'raise' : 'throw';
  return holds(statement, RAISING) ? 'raise' : 'none';
}

/** Whether `node` holds a node of one of `types` of its own function (a nested function's are its own). */
function holds(node: AstNode, types: ReadonlySet<string>): boolean {
  if (types.has(node.type)) return true;
  if (isFunction(node)) return false;
  for (const value of Object.values(node)) {
    for (const child of Array.isArray(value) ? value : [value]) if (isNode(child) && holds(child, types)) return true;
  }
  return false;
}

/**
 * The call a `throw await …` or `throw yield …` at `offset` suspends on (`throw await
 * problemFor(order)`), as its source range. V8 throws at the `throw`, the statement's own position,
 * so the run of a breakpoint there at the throw reads as a hit; a breakpoint on that call runs
 * before the statement suspends, once a run, and is told from the run at the throw by its
 * position (main/raise-reruns.ts).
 */
export function suspendedCallAt(analysed: AnalysedSource, offset: number): { start: number; end: number } | undefined {
  const statement = statementAt(analysed, offset);
  if (statement?.type !== 'ThrowStatement') return undefined;
  const argument = statement.argument as AstNode;
  if (!SUSPENDING.has(argument.type)) return undefined;
  const operand = argument.argument as AstNode | null;
  if (operand?.type !== 'CallExpression' && operand?.type !== 'NewExpression') return undefined;
  return { start: operand.start, end: operand.end };
}

/**
 * The name a statement at `offset` calls first, where V8 stops at that very call (`notify(order)`,
 * `const user = load(id)`, `new Ledger(who)`): a callee that is no function throws there, at the
 * breakpoint's own position, so its run at the throw reads as a hit (main/raise-reruns.ts).
 */
export function leadingCalleeAt(analysed: AnalysedSource, offset: number): string | undefined {
  const statement = statementAt(analysed, offset);
  const first =
    statement?.type === 'ExpressionStatement'
      ? (statement.expression as AstNode)
      : statement?.type === 'VariableDeclaration'
        ? (statement.declarations[0].init as AstNode | null)
        : undefined;
  if (first?.type !== 'CallExpression' && first?.type !== 'NewExpression') return undefined;
  const callee = first.callee as AstNode;
  return callee.type === 'Identifier' ? (callee.name as string) : undefined;
}
