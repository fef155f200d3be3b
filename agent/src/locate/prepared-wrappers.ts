/**
 * The parts of a prepared function that the prepare transform added around the user's body
 * (prepare/transform.ts, prepare/exception-sites.ts): the twin behind its entry guard
 * `if ($lpF[n] !== 0) {<twin> return;}`, and the exception wrapper's `catch ($lpE) {…; throw $lpE;}`.
 * A breakpoint-timed duration stops at their exits too (whichever copy runs must stop the
 * timer), but they are not exits the user wrote; and it starts before them, but reports the
 * line of the user's first statement.
 */
import type { AstNode } from './ast-node.js';

/** Offset ranges, [start, end), of the twin and the exception wrapper's handler; none in a file not prepared. */
export function preparedWrappers(fn: AstNode): [number, number][] {
  const { handler, statements } = insideWrapper(fn);
  const ranges: [number, number][] = handler === undefined ? [] : [[handler.start, handler.end]];
  const guard = statements.find((statement) => isGuard(statement, '$lpF'));
  if (guard !== undefined) ranges.push([guard.start, guard.end]);
  return ranges;
}

/**
 * Where a duration says a function starts: its first statement that runs (not a directive, nor a
 * hoisted function declaration), the one docs/actions.md says it times from. In a prepared
 * function that is past the exception wrapper's `try {`, the twin's guard and the site guards,
 * which the transform put on the line declaring the function (a parameter's line, through a
 * map): the breakpoint path times from before them, so that whichever copy runs is timed, yet
 * reports this line, as prepared sites and a file not prepared do. For an expression-bodied
 * arrow, its own body past the site the transform put before it, where a breakpoint times it.
 * `entry` where there is none (an empty body, an arrow not prepared).
 */
export function writtenEntry(fn: AstNode, entry: number): number {
  const body = fn.body as AstNode | undefined;
  // An expression body with a site is `(site guard, body)`: a breakpoint at its start binds inside
  // the guard's code, which runs only while the site is on (or in a closure the guard passes, never).
  if (body?.type === 'SequenceExpression' && isGuardTest(body.expressions[0]?.left, '$lpS') && body.expressions[0].operator === '&&')
    return (body.expressions[1] as AstNode).start;
  const { statements } = insideWrapper(fn);
  const first = statements.find(
    (statement) =>
      statement.directive === undefined &&
      statement.type !== 'FunctionDeclaration' &&
      statement.type !== 'EmptyStatement' &&
      !isGuard(statement, '$lpF') &&
      !isGuard(statement, '$lpS'),
  );
  return first?.start ?? entry;
}

/** The function's statements, inside the exception wrapper when it has one (then `handler`: the wrapper's `catch`). */
function insideWrapper(fn: AstNode): { handler?: AstNode; statements: AstNode[] } {
  const statements: AstNode[] = fn.body?.type === 'BlockStatement' ? fn.body.body : [];
  const code = statements.filter((statement) => statement.directive === undefined);
  const wrapper = code.length === 1 ? code[0] : undefined;
  if (wrapper?.type === 'TryStatement' && wrapper.handler?.param?.name === '$lpE')
    return { handler: wrapper.handler, statements: wrapper.block.body };
  return { statements };
}

/**
 * The wrapper around a `try … finally` that times the returns inside it (prepare/transform.ts,
 * finallyWrapper): `try {…} catch ($lpE) {…; throw $lpE;} finally {…}`. Its rethrow passes on an
 * exception raised inside, which a `throw` there already stopped the timer for if it was the
 * user's; it is no exit of the function (a `catch` around may take the exception).
 */
export function isFinallyWrapper(node: AstNode): boolean {
  return node.type === 'TryStatement' && node.handler?.param?.name === '$lpE' && node.finalizer != null;
}

/** `if ($lpF[n] !== 0) …`, the twin's guard, or `if ($lpS[n] !== 0) …`, a site's. */
function isGuard(statement: AstNode, flags: '$lpF' | '$lpS'): boolean {
  return statement.type === 'IfStatement' && isGuardTest(statement.test, flags);
}

function isGuardTest(test: AstNode | undefined, flags: '$lpF' | '$lpS'): boolean {
  return (
    test?.type === 'BinaryExpression' &&
    test.operator === '!==' &&
    test.left.type === 'MemberExpression' &&
    test.left.object.type === 'Identifier' &&
    test.left.object.name === flags
  );
}
