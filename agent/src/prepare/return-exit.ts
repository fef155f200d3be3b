/**
 * Which `return` statements get an exit site, so that a duration on a function that returns a
 * computed value (`return total(items)`, `return a + b`, `return await load(id)`) goes on prepared
 * sites (worker/prepared/timed-exits.ts). Such a return keeps its value in a block's local and runs
 * a site once it is computed, `{let $lpR; return ($lpR = (<value>), (<exit guard>, $lpR));}`: after
 * the value and any `await` in it, before the function returns, where V8's return position is
 * (the breakpoint path stops there). Shared by the transform, which writes it, and the worker,
 * which must know where the exit site is.
 *
 * A value whose local would change V8's names of anonymous functions goes in an array instead,
 * `return [<value>, (<exit guard>)][0]` (returnForm's `listed`): a value holding a function or
 * class, or a `return` in a function that follows another function in the same expression, at
 * any level (a UMD module's factory, after its wrapper). V8 names anonymous functions by
 * inference over the expressions around them, and an assignment takes part in it (`return
 * [function () {}]` would name the function `$lpR`, and a sibling before the function holding the
 * return lost its name `calls` when V8 parsed the two eagerly); an array's elements do not, nor
 * does the spec name a function placed in one. Object literal properties, class members and
 * declarators end that inference, so a method after another method keeps the local.
 *
 * A `return` inside `try … finally` is timed after the `finally` blocks, when the function gives
 * control back (transform.ts, finallyWrapper): it counts itself for the wrapper around the
 * outermost such `try` (finallyAround).
 *
 * None for a `return` that computes nothing (no value, a literal, a variable certainly
 * initialised there: the site before it times it), nor where the worker would not time it
 * anyway: a `for … of` body (the iterator's closing), an async generator (its `return` awaits
 * the value after the site), a `try … finally` in a generator or whose `finally` block holds a
 * `break` or `continue` (noFinallyExit).
 *
 * The exit site is recorded one column into the `return` keyword, where no other site can start:
 * a line's first site stays the statement's own (a log there runs before the `return`, as a
 * breakpoint on the line stops), and the value's end may be another site's start (`return f =
 * (x) => g(x)`, whose arrow has an exit site at its body's end).
 */
import { isFunction } from '../locate/ast-node.js';
import { resolveAt, type Scope } from '../locate/scope-model.js';
import { childrenOf, type AstNode } from './ast.js';
import { isStatement } from './arrow-exit.js';
import { initialisedAt } from './site-bindings.js';

/** The local that holds the returned value. */
export const RETURN_VALUE = '$lpR';

/** The locals of a `try … finally`'s wrapper: a `return` inside counted, an exception leaving it. */
export const FINALLY_RETURNED = '$lpY';
export const FINALLY_THREW = '$lpQ';

/** Where a `return`'s exit site is recorded: inside its keyword. */
export function returnExitAt(ret: AstNode): number {
  return ret.start + 1;
}

/** What the worker says about a `return` no site can time exactly. */
export const BEFORE_RETURN = 'a site before the `return` would not time';

/**
 * Work that runs between computing the returned value and leaving the function, which no site
 * times: `ancestors` from the program (or the function) down to the return's parent.
 */
export function untimedReturn(ret: AstNode, ancestors: readonly AstNode[]): string | undefined {
  const from = functionIndex(ancestors) + 1;
  for (let i = from; i < ancestors.length; i++) {
    const ancestor = ancestors[i]!;
    if (ancestor.type === 'ForOfStatement' && (ancestors[i + 1] ?? ret) === ancestor.body)
      return `returns inside \`for … of\`, whose iterator closing ${BEFORE_RETURN}`;
  }
  const around = finallyAround(ret, ancestors);
  return around === undefined ? undefined : noFinallyExit(ancestors[from - 1], around);
}

/** Where the innermost function is in `ancestors` (-1: none). */
function functionIndex(ancestors: readonly AstNode[]): number {
  let at = ancestors.length - 1;
  while (at >= 0 && !isFunction(ancestors[at]!)) at--;
  return at;
}

/**
 * The `try … finally` whose wrapper times `ret` (see FINALLY_FLAG): the outermost one around it in
 * its function that holds a `return` outside its `finally` block, whose `finally` may then run
 * after a returned value. Undefined when none: the return's own site or exit times it.
 */
export function finallyAround(ret: AstNode, ancestors: readonly AstNode[]): AstNode | undefined {
  for (let i = functionIndex(ancestors) + 1; i < ancestors.length; i++) {
    const node = ancestors[i]!;
    if (node.type !== 'TryStatement' || node.finalizer === null) continue;
    if ((ancestors[i + 1] ?? ret) !== node.finalizer || returnsIn(node.block) || (node.handler !== null && returnsIn(node.handler)))
      return node;
  }
  return undefined;
}

/** Whether `tryNode` (with a `finally` block) gets the wrapper that times the returns inside it: no ancestor of it does, and one of its returns is outside its `finally` block. */
export function wrapsReturns(tryNode: AstNode, ancestors: readonly AstNode[]): boolean {
  if (tryNode.finalizer === null || !(returnsIn(tryNode.block) || (tryNode.handler !== null && returnsIn(tryNode.handler)))) return false;
  for (let i = functionIndex(ancestors) + 1; i < ancestors.length; i++) {
    const node = ancestors[i]!;
    if (
      node.type === 'TryStatement' &&
      node.finalizer !== null &&
      (returnsIn(node.block) || (node.handler !== null && returnsIn(node.handler)))
    )
      return false;
  }
  return functionIndex(ancestors) >= 0 && noFinallyExit(ancestors[functionIndex(ancestors)], tryNode) === undefined;
}

/**
 * Why the returns inside `tryNode` cannot be timed after its `finally` blocks: a generator's
 * `return()` runs them too, from a `yield`, with no `return` of its own; a `break` or `continue`
 * in a `finally` block can cancel a `return` already counted.
 */
export function noFinallyExit(fn: AstNode | undefined, tryNode: AstNode): string | undefined {
  if (fn?.generator === true) return `returns inside \`try … finally\` in a generator, whose \`finally\` block ${BEFORE_RETURN}`;
  if (jumpsInFinally(tryNode, false))
    return 'returns inside `try … finally` whose `finally` block has a `break` or `continue`, which could cancel the return after its site';
  return undefined;
}

/** Whether a `break` or `continue` stands in a `finally` block inside `node` (not in a function inside it). */
function jumpsInFinally(node: AstNode, inFinally: boolean): boolean {
  if (inFinally && (node.type === 'BreakStatement' || node.type === 'ContinueStatement')) return true;
  for (const child of childrenOf(node)) {
    if (isFunction(child)) continue;
    if (jumpsInFinally(child, inFinally || (node.type === 'TryStatement' && child === node.finalizer))) return true;
  }
  return false;
}

/** Whether a `return` of the function stands inside `node` (not in a function inside it). */
function returnsIn(node: AstNode): boolean {
  if (node.type === 'ReturnStatement') return true;
  for (const child of childrenOf(node)) if (!isFunction(child) && returnsIn(child)) return true;
  return false;
}

/** A value whose computing does nothing: a literal, a template without `${}`, `-1`. */
export function constantValue(value: AstNode): boolean {
  switch (value.type) {
    case 'Literal':
      return true;
    case 'TemplateLiteral':
      return value.expressions.length === 0;
    case 'UnaryExpression':
      return value.operator !== 'delete' && value.argument.type === 'Literal';
    default:
      return false;
  }
}

/**
 * Whether reading `identifier` in `fn` at `offset` (in `scope`) cannot throw (TDZ) or run a getter:
 * such a `return` computes nothing, and the site before it times it.
 */
export function certainlyInitialised(scope: Scope, fn: AstNode, identifier: AstNode, offset: number): boolean {
  const variable = resolveAt(scope, identifier.name, identifier.start);
  if (variable === null) return CONSTANT_GLOBALS.has(identifier.name);
  const def = variable.def;
  if (def === undefined) return false;
  const block = variable.scope.block;
  if (block.start >= fn.start && block.end <= fn.end) return initialisedAt(def, variable.scope.type, offset);
  // An outer `let`, `const` or class may still be uninitialised when the function runs (a hoisted caller).
  return (
    def.type === 'Parameter' || def.type === 'FunctionName' || def.type === 'CatchClause' || (def.type === 'Variable' && def.kind === 'var')
  );
}

/** Globals that cannot be redefined: reading one does nothing. */
const CONSTANT_GLOBALS = new Set(['undefined', 'NaN', 'Infinity']);

/**
 * Why the `return` gets no exit site, or undefined when it gets one (or its `try`'s wrapper
 * times it). `ancestors`: from the program down to the return's parent; `scope`: the innermost
 * scope at the return.
 */
export function noReturnExit(ret: AstNode, ancestors: readonly AstNode[], scope: Scope | undefined): string | undefined {
  const at = functionIndex(ancestors);
  if (at < 0) return 'is outside any function';
  const fn = ancestors[at]!;
  if (fn.async === true && fn.generator === true) return 'is in an async generator, whose `return` awaits its value after the site';
  const untimed = untimedReturn(ret, ancestors);
  if (untimed !== undefined) return untimed;
  if (finallyAround(ret, ancestors) !== undefined) return undefined;
  const value = ret.argument as AstNode | null;
  if (
    value === null ||
    constantValue(value) ||
    (value.type === 'Identifier' && scope !== undefined && certainlyInitialised(scope, fn, value, ret.start))
  )
    return 'computes nothing';
  return undefined;
}

/**
 * How a `return` that gets an exit (noReturnExit) is written: `finally` counts it for its
 * `try`'s wrapper, `listed` keeps its value in an array, `assigned` in a local. `functionStartsIn`:
 * whether a function or class starts in `[from, to)`.
 */
export function returnForm(
  ret: AstNode,
  ancestors: readonly AstNode[],
  functionStartsIn: (from: number, to: number) => boolean,
): 'finally' | 'listed' | 'assigned' {
  if (finallyAround(ret, ancestors) !== undefined) return 'finally';
  const value = ret.argument as AstNode;
  if (functionStartsIn(value.start, value.end)) return 'listed';
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const around = ancestors[i]!;
    // A declaration is a statement of its own, named by itself.
    if (!isFunction(around) || around.type === 'FunctionDeclaration') continue;
    const from = expressionStart(ancestors, i);
    if (from !== undefined && functionStartsIn(from, around.start)) return 'listed';
  }
  return 'assigned';
}
/**
 * Where the expression holding `ancestors[at]` (a function) starts for V8's inference of names:
 * the statement, declarator, property or class member around it, or the body of the function
 * around it. Undefined at the top.
 */
function expressionStart(ancestors: readonly AstNode[], at: number): number | undefined {
  for (let i = at - 1; i >= 0; i--) {
    const node = ancestors[i]!;
    if (isFunction(node)) return (node.body as AstNode).start;
    if (isStatement(node) || INFERENCE_ENDS.has(node.type)) return node.start;
  }
  return undefined;
}

/** Nodes after whose value V8 ends its inference of names (it names the functions within after them). */
const INFERENCE_ENDS = new Set(['VariableDeclarator', 'Property', 'MethodDefinition', 'PropertyDefinition', 'StaticBlock', 'ClassBody']);
