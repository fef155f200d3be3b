/**
 * Which `return` statements get an exit site, so that a duration on a function that returns a
 * computed value (`return total(items)`, `return a + b`, `return await load(id)`) goes on prepared
 * sites (worker/prepared/timed-exits.ts). Such a return keeps its value in a block's local and runs
 * a site once it is computed, `{let $lpR; return ($lpR = (<value>), (<exit guard>, $lpR));}`: after
 * the value and any `await` in it, before the function returns, where V8's return position is
 * (the breakpoint path stops there). Shared by the transform, which writes it, and the worker,
 * which must know where the exit site is.
 *
 * Not for every `return`:
 * - none that computes nothing (no value, a literal, a variable certainly initialised there): the
 *   site before it times it already;
 * - none the worker would not time anyway: inside `try … finally` (the `finally` block runs after
 *   the value) or a `for … of` body (the iterator's closing), or in an async generator (its
 *   `return` awaits the value after the site);
 * - none whose value holds a function or class, and none in a function that follows another
 *   function in the same expression (`[() => a(), function () { return b + 1; }]`), at any level:
 *   V8 names anonymous functions by inference over the expressions around them, and the local's
 *   assignment takes part in it (`return [function () {}]` would name the function `$lpR`, and a
 *   sibling before the function holding the return lost its name `calls` when V8 parsed the two
 *   eagerly). Object literal properties, class members and declarators end that inference, so a
 *   method after another method keeps its exit sites.
 *
 * The exit site is recorded one column into the `return` keyword, where no other site can start:
 * a line's first site stays the statement's own (a log there runs before the `return`, as a
 * breakpoint on the line stops), and the value's end may be another site's start (`return f =
 * (x) => g(x)`, whose arrow has an exit site at its body's end).
 */
import { isFunction } from '../locate/ast-node.js';
import { resolveAt, type Scope } from '../locate/scope-model.js';
import type { AstNode } from './ast.js';
import { isStatement } from './arrow-exit.js';
import { initialisedAt } from './site-bindings.js';

/** The local that holds the returned value. */
export const RETURN_VALUE = '$lpR';

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
  let from = ancestors.length;
  while (from > 0 && !isFunction(ancestors[from - 1]!)) from--;
  for (let i = from; i < ancestors.length; i++) {
    const ancestor = ancestors[i]!;
    const child = ancestors[i + 1] ?? ret;
    if (ancestor.type === 'TryStatement' && ancestor.finalizer !== null && child !== ancestor.finalizer)
      return `returns inside \`try … finally\`, whose \`finally\` block ${BEFORE_RETURN}`;
    if (ancestor.type === 'ForOfStatement' && child === ancestor.body)
      return `returns inside \`for … of\`, whose iterator closing ${BEFORE_RETURN}`;
  }
  return undefined;
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
 * Why the `return` gets no exit site, or undefined when it gets one. `ancestors`: from the program
 * down to the return's parent; `functionStartsIn`: whether a function or class starts in `[from,
 * to)`; `scope`: the innermost scope at the return.
 */
export function noReturnExit(
  ret: AstNode,
  ancestors: readonly AstNode[],
  functionStartsIn: (from: number, to: number) => boolean,
  scope: Scope | undefined,
): string | undefined {
  let fn: AstNode | undefined;
  for (const node of ancestors) if (isFunction(node)) fn = node;
  if (fn === undefined) return 'is outside any function';
  const value = ret.argument as AstNode | null;
  if (
    value === null ||
    constantValue(value) ||
    (value.type === 'Identifier' && scope !== undefined && certainlyInitialised(scope, fn, value, ret.start))
  )
    return 'computes nothing';
  if (fn.async === true && fn.generator === true) return 'is in an async generator, whose `return` awaits its value after the site';
  const untimed = untimedReturn(ret, ancestors);
  if (untimed !== undefined) return untimed;
  if (functionStartsIn(value.start, value.end))
    return 'returns a value holding a function or class, so it has no site after its value (V8 would name that function after the site’s local)';
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const around = ancestors[i]!;
    // A declaration is a statement of its own, named by itself.
    if (!isFunction(around) || around.type === 'FunctionDeclaration') continue;
    const from = expressionStart(ancestors, i);
    if (from !== undefined && functionStartsIn(from, around.start))
      return 'is in a function that follows another function in the same expression, so it has no site after its value (V8 names anonymous functions over the whole expression)';
  }
  return undefined;
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
