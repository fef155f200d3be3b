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
 * its name (`const $lpV = function () {}`). Only one that takes its name from where it stands
 * (`const load = async (id) => …`, `load: (id) => …`), with no function before it in its statement:
 * V8 names anonymous functions by inference over the expression around them, which a declaration
 * in a block body changes (an array's first arrow lost its frame's name, `calls`). And none in
 * parentheses, where the block's braces could not go around the body's own text.
 */
import { isFunction } from '../locate/ast-node.js';
import { childrenOf, type AstNode } from './ast.js';

/** The local that holds the body's value. */
export const ARROW_VALUE = '$lpV';

const TIMED_BODIES = new Set(['CallExpression', 'NewExpression', 'AwaitExpression', 'TaggedTemplateExpression', 'ChainExpression']);

/**
 * Where an arrow stands in its file: the start of the innermost statement around it (undefined
 * when none, as in a class field), and whether a function or class starts in `[from, to)`.
 */
export interface ArrowPlace {
  /** The node whose child the arrow is. */
  parent: AstNode | undefined;
  statementStart: number | undefined;
  functionStartsIn(from: number, to: number): boolean;
}

/** Why the expression-bodied `arrow` has no exit site (for a duration's status), or undefined when it gets one. */
export function noExitSite(source: string, arrow: AstNode, place: ArrowPlace): string | undefined {
  const body = arrow.body as AstNode;
  if (!TIMED_BODIES.has(body.type)) return 'its body is not a call, `new` or `await`, so it has no exit site';
  if (parenthesised(source, arrow)) return 'its body is in parentheses, so it has no exit site';
  if (place.functionStartsIn(body.start, body.end)) return 'a function inside its body leaves it without an exit site';
  // An anonymous arrow's frames are named by V8's inference, which the block's local would change.
  if (!named(arrow, place.parent)) return 'it takes no name of its own (`const f = …`, `f: …`, `f = …`), so it has no exit site';
  // V8 names an anonymous function after the declaration that follows it in the same expression
  // (a local in a later arrow's body would rename `calls`' first arrow `$lpV`, or leave it nameless).
  if (place.statementStart === undefined || place.functionStartsIn(place.statementStart, arrow.start))
    return 'another function before it in its statement leaves it without an exit site';
  return undefined;
}

/** Whether the arrow takes its name from where it stands (a variable, a property, an assignment to a name), not from V8's inference. */
function named(arrow: AstNode, parent: AstNode | undefined): boolean {
  switch (parent?.type) {
    case 'VariableDeclarator':
      return parent.init === arrow && parent.id.type === 'Identifier';
    case 'Property':
      return parent.value === arrow && parent.kind === 'init' && parent.computed !== true && parent.method !== true;
    case 'AssignmentExpression':
      return parent.right === arrow && parent.operator === '=' && parent.left.type === 'Identifier';
    default:
      return false;
  }
}

/** The node whose child `target` is, found by walking down from `program` (the worker's side). */
export function parentIn(program: AstNode, target: AstNode): AstNode | undefined {
  return ancestorsOf(program, target).at(-1);
}

/** The nodes around `target`, from `program` down to its parent (the worker's side; the transform knows its ancestors). */
export function ancestorsOf(program: AstNode, target: AstNode): AstNode[] {
  const out: AstNode[] = [];
  let node: AstNode | undefined = program;
  while (node !== undefined) {
    const child: AstNode | undefined = childrenOf(node).find((c) => c.start <= target.start && target.end <= c.end);
    out.push(node);
    if (child === target) return out;
    node = child;
  }
  return [];
}

/** The innermost statement around `offset` in `program`, found by walking down (the worker's side; the transform knows its ancestors). */
export function statementAround(program: AstNode, offset: number): AstNode | undefined {
  let found: AstNode | undefined;
  let node: AstNode | undefined = program;
  while (node !== undefined) {
    if (node !== program && isStatement(node)) found = node;
    node = childrenOf(node).find((child) => child.start <= offset && offset < child.end);
  }
  return found;
}

/** Whether a function or class starts in `[from, to)` of `node` (the worker's side: the transform has a sorted list). */
export function functionStartsIn(node: AstNode, from: number, to: number): boolean {
  for (const child of childrenOf(node)) {
    if (child.end <= from || child.start >= to) continue;
    if ((isFunction(child) || child.type === 'ClassExpression' || child.type === 'ClassDeclaration') && child.start >= from) return true;
    if (functionStartsIn(child, from, to)) return true;
  }
  return false;
}

export function isStatement(node: AstNode): boolean {
  return node.type.endsWith('Statement') || node.type === 'VariableDeclaration' || node.type.startsWith('Export');
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
