/**
 * Which expression-bodied arrows get an exit site, so that a duration on them can go on prepared
 * sites (worker/prepared/timed-exits.ts). Such a body becomes a block that keeps its value in a
 * local and runs a site after it is computed, `async (x) => {guard; const $lpV = await work(x);
 * exit guard; return $lpV;}`: the same instant as V8's return position, which the breakpoint path
 * stops at (after an `await` in the body resolves). Shared by the transform, which writes it, and
 * the worker, which must know where the exit site is.
 *
 * Only a body whose value takes time to compute (a call, `new`, `await`, a tagged template): the
 * exit's flag is read on every call, which a `.map(o => o.total)` need not pay. Only one with no
 * function or class inside, since a function expression as a variable's initialiser would take
 * its name (`const $lpV = function () {}`), and none in parentheses, where the block's braces
 * could not go around the body's own text.
 */
import { isFunction } from '../locate/ast-node.js';
import { childrenOf, type AstNode } from './ast.js';

/** The local that holds the body's value. */
export const ARROW_VALUE = '$lpV';

const TIMED_BODIES = new Set(['CallExpression', 'NewExpression', 'AwaitExpression', 'TaggedTemplateExpression', 'ChainExpression']);

/** Whether the expression-bodied `arrow` gets an exit site at its body's end (`holdsFunction`: a function or class starts inside a node). */
export function hasExitSite(source: string, arrow: AstNode, holdsFunction: (node: AstNode) => boolean = containsFunction): boolean {
  const body = arrow.body as AstNode;
  return TIMED_BODIES.has(body.type) && !parenthesised(source, arrow) && !holdsFunction(body);
}

/** Why the expression-bodied `arrow` has no exit site (for a duration's status), or undefined when it has one. */
export function noExitSite(source: string, arrow: AstNode): string | undefined {
  const body = arrow.body as AstNode;
  if (!TIMED_BODIES.has(body.type)) return 'its body is not a call, `new` or `await`, so it has no exit site';
  if (parenthesised(source, arrow)) return 'its body is in parentheses, so it has no exit site';
  if (containsFunction(body)) return 'a function inside its body leaves it without an exit site';
  return undefined;
}

/**
 * Whether the body is in parentheses, where the block's braces could not go around the body's own
 * text: anything but white space and comments between `=>` and the body. The `=>` is the first
 * after the parameters (a default value may hold an arrow of its own).
 */
function parenthesised(source: string, arrow: AstNode): boolean {
  const params = arrow.params as AstNode[];
  const body = arrow.body as AstNode;
  let i = source.indexOf('=>', params.length === 0 ? arrow.start : params.at(-1)!.end);
  if (i < 0 || i >= body.start) return true;
  i += 2;
  while (i < body.start) {
    if (/\s/.test(source[i]!)) i++;
    else if (source.startsWith('//', i)) i = lineEnd(source, i);
    else if (source.startsWith('/*', i)) i = source.indexOf('*/', i + 2) + 2;
    else return true;
    // An unclosed comment (indexOf's -1): not JavaScript the parser took.
    if (i < 2) return true;
  }
  return false;
}

function lineEnd(source: string, from: number): number {
  let i = from;
  while (i < source.length && !/[\n\r\u2028\u2029]/.test(source[i]!)) i++;
  return i;
}

function containsFunction(node: AstNode): boolean {
  for (const child of childrenOf(node)) {
    if (isFunction(child) || child.type === 'ClassExpression' || containsFunction(child)) return true;
  }
  return false;
}
