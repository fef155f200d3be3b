/**
 * The parts of a prepared function that the prepare transform added around the user's body
 * (prepare/transform.ts, prepare/exception-sites.ts): the twin behind its entry guard
 * `if ($lpF[n] !== 0) {<twin> return;}`, and the exception wrapper's `catch ($lpE) {…; throw $lpE;}`.
 * A breakpoint-timed duration stops at their exits too (whichever copy runs must stop the
 * timer), but they are not exits the user wrote.
 */
import type { AstNode } from './ast-node.js';

/** Offset ranges, [start, end), of the twin and the exception wrapper's handler; none in a file not prepared. */
export function preparedWrappers(fn: AstNode): [number, number][] {
  const ranges: [number, number][] = [];
  let statements: AstNode[] = fn.body?.type === 'BlockStatement' ? fn.body.body : [];
  const code = statements.filter((statement) => statement.directive === undefined);
  const wrapper = code.length === 1 ? code[0] : undefined;
  if (wrapper?.type === 'TryStatement' && wrapper.handler?.param?.name === '$lpE') {
    ranges.push([wrapper.handler.start, wrapper.handler.end]);
    statements = wrapper.block.body;
  }
  const guard = statements.find(isTwinGuard);
  if (guard !== undefined) ranges.push([guard.start, guard.end]);
  return ranges;
}

function isTwinGuard(statement: AstNode): boolean {
  const test = statement.type === 'IfStatement' ? statement.test : undefined;
  return (
    test?.type === 'BinaryExpression' &&
    test.operator === '!==' &&
    test.left.type === 'MemberExpression' &&
    test.left.object.type === 'Identifier' &&
    test.left.object.name === '$lpF'
  );
}
