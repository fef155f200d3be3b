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
 * A `return` inside `try … finally` is timed after the `finally` blocks, and one inside a `for …
 * of` (`for await … of`) body after its iterator's closing (the iterator's `return()`, awaited in
 * `for await`), when the function gives control back (transform.ts, finallyWrapper): it counts
 * itself for the wrapper around the outermost such statement (wrapperAround).
 *
 * None for a `return` that computes nothing (no value, a literal, a variable certainly
 * initialised there: the site before it times it), nor where the worker would not time it
 * anyway: an async generator (its `return` awaits the value after the site), a `try … finally`
 * or `for … of` in a generator or around a `finally` block that holds a `break` or `continue`
 * (noFinallyExit).
 *
 * The exit site is recorded one column into the `return` keyword, where no other site can start:
 * a line's first site stays the statement's own (a log there runs before the `return`, as a
 * breakpoint on the line stops), and the value's end may be another site's start (`return f =
 * (x) => g(x)`, whose arrow has an exit site at its body's end). A `return` spanning lines whose
 * last line V8 first stops on at the return position has it at its last character instead
 * (returnExitAt), the first site of that line: a log there runs after the value, as a breakpoint
 * there stops.
 */
import { childAround, isFunction } from '../locate/ast-node.js';
import { resolveAt, type Scope } from '../locate/scope-model.js';
import { childrenOf, type AstNode } from './ast.js';
import { isStatement } from './arrow-exit.js';
import { initialisedAt } from './site-bindings.js';

/** The local that holds the returned value. */
export const RETURN_VALUE = '$lpR';

/** The locals of a `try … finally`'s wrapper: a `return` inside counted, an exception leaving it. */
export const FINALLY_RETURNED = '$lpY';
export const FINALLY_THREW = '$lpQ';

/**
 * Where a `return`'s exit site is recorded: one column into its keyword, or at the statement's
 * last character when it spans lines and a breakpoint on its last line stops at V8's return
 * position (stopsAtReturn): a log on that line then takes the exit site, as it would stop there.
 */
export function returnExitAt(ret: AstNode, source: string): number {
  const value = ret.argument as AstNode | null;
  let last = ret.end;
  while (last > ret.start && !LINE_BREAK.test(source[last - 1]!)) last--;
  return value !== null && last > ret.start && stopsAtReturn(value, last) ? ret.end - 1 : keywordExitAt(ret);
}

/** An exit site inside its statement's keyword (`return`, or a wrapper's `try` or `for`: transform.ts, finallyWrapper), where no other site starts. */
export function keywordExitAt(node: AstNode): number {
  return node.start + 1;
}

const LINE_BREAK = /[\n\r\u2028\u2029]/;

/**
 * Whether V8 has no break location in `node` on the line starting at `from` (the return's last):
 * its first one there is then the return position. V8 breaks at a call's callee (a method's
 * name, `new`), at the first property read of a statement, at a sequence's later expressions and
 * anywhere inside a function (Node 20 to 24); none of those may be on that line, nor anything
 * not known to be without one. `tagged`: a tagged template's call, which V8 breaks at its
 * backtick, is known too (returnStoppedAt; the transform's exits leave it out, so that files
 * prepared before keep their exits where the worker looks for them).
 */
function stopsAtReturn(node: AstNode, from: number, tagged = false): boolean {
  if (node.end <= from) return true;
  switch (node.type) {
    case 'CallExpression':
    case 'NewExpression':
      if ((node.callee as AstNode).end > from) return false;
      break;
    case 'TaggedTemplateExpression':
      if (!tagged || (node.quasi as AstNode).start >= from) return false;
      break;
    case 'MemberExpression':
      if ((node.property as AstNode).start >= from) return false;
      break;
    default:
      if (!NO_BREAK.has(node.type)) return false;
  }
  for (const child of childrenOf(node)) if (!stopsAtReturn(child, from, tagged)) return false;
  return true;
}

/**
 * The `return` whose value holds `offset` with no break location of V8's from there to the
 * return position, where a breakpoint at `offset` stops, after the value: a compiled template's
 * line inside a `return` (Astro's `return $$render\`…${price}…\``, whose map sends each of the
 * template's lines to a column of the return's one generated line). Undefined when V8 would stop
 * before the return, or `offset` is in no `return`'s value of its own function.
 */
export function returnStoppedAt(program: AstNode, offset: number): AstNode | undefined {
  let ret: AstNode | undefined;
  let node: AstNode | undefined = program;
  while (node !== undefined) {
    const inside = childAround(node, offset);
    if (inside !== undefined && isFunction(inside)) ret = undefined;
    else if (inside?.type === 'ReturnStatement') ret = inside;
    node = inside;
  }
  const value = ret?.argument as AstNode | null | undefined;
  if (value === null || value === undefined || offset < value.start) return undefined;
  return stopsAtReturn(value, offset, true) ? ret : undefined;
}

/** Expressions in which V8 puts no break location of their own. */
const NO_BREAK = new Set([
  'Identifier',
  'Literal',
  'ThisExpression',
  'TemplateLiteral',
  'TemplateElement',
  'ArrayExpression',
  'ObjectExpression',
  'Property',
  'SpreadElement',
  'BinaryExpression',
  'LogicalExpression',
  'ConditionalExpression',
  'UnaryExpression',
  'AwaitExpression',
  'AssignmentExpression',
  'ChainExpression',
  'ParenthesizedExpression',
]);

/** What the worker says about a `return` no site can time exactly. */
export const BEFORE_RETURN = 'a site before the `return` would not time';

/**
 * Work that runs between computing the returned value and leaving the function, which no site
 * times: `ancestors` from the program (or the function) down to the return's parent.
 */
export function untimedReturn(ancestors: readonly AstNode[]): string | undefined {
  const around = wrapperAround(ancestors);
  return around === undefined ? undefined : noFinallyExit(ancestors[functionIndex(ancestors)], around);
}

/** Where the innermost function is in `ancestors` (-1: none). */
function functionIndex(ancestors: readonly AstNode[]): number {
  let at = ancestors.length - 1;
  while (at >= 0 && !isFunction(ancestors[at]!)) at--;
  return at;
}

/**
 * The statement whose wrapper times a `return` (see transform.ts, finallyWrapper), `ancestors`
 * from the program down to its parent: the outermost one around it in its function that may run
 * code after one of its returns' values, a `try … finally` holding a `return` outside its
 * `finally` block, or a `for … of` (`for await … of`) whose body holds one (its iterator's
 * closing). Undefined when none: the return's own site or exit times it.
 */
export function wrapperAround(ancestors: readonly AstNode[]): AstNode | undefined {
  // A `return` in a `finally` block whose `try` returns nowhere else is timed by its own exit.
  for (let i = functionIndex(ancestors) + 1; i < ancestors.length; i++) if (runsAfterReturns(ancestors[i]!)) return ancestors[i];
  return undefined;
}

/** Whether `node` (a `try … finally` or a `for … of`) gets the wrapper that times the returns inside it: no statement around it in its function does. */
export function wrapsReturns(node: AstNode, ancestors: readonly AstNode[]): boolean {
  const at = functionIndex(ancestors);
  if (at < 0 || !runsAfterReturns(node)) return false;
  for (let i = at + 1; i < ancestors.length; i++) if (runsAfterReturns(ancestors[i]!)) return false;
  return noFinallyExit(ancestors[at], node) === undefined;
}

/** A `try … finally` with a `return` outside its `finally` block, or a `for … of` with one in its body: code runs after that return's value. */
function runsAfterReturns(node: AstNode): boolean {
  if (node.type === 'ForOfStatement') return returnsIn(node.body);
  return (
    node.type === 'TryStatement' && node.finalizer !== null && (returnsIn(node.block) || (node.handler !== null && returnsIn(node.handler)))
  );
}

/**
 * Why the returns inside `node` (wrapperAround) cannot be timed after it: a generator's
 * `return()` runs `finally` blocks too, from a `yield`, with no `return` of its own, and one may
 * `yield` after a return was counted; a `break` or `continue` in a `finally` block can cancel a
 * `return` already counted.
 */
export function noFinallyExit(fn: AstNode | undefined, node: AstNode): string | undefined {
  const what = node.type === 'ForOfStatement' ? 'whose iterator closing' : 'whose `finally` block';
  const where = node.type === 'ForOfStatement' ? '`for … of`' : '`try … finally`';
  if (fn?.generator === true) return `returns inside ${where} in a generator, ${what} ${BEFORE_RETURN}`;
  if (jumpsInFinally(node, false))
    return `returns inside ${node.type === 'ForOfStatement' ? '`for … of` around a `finally` block with' : '`try … finally` whose `finally` block has'} a \`break\` or \`continue\`, which could cancel the return after its site`;
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
  const untimed = untimedReturn(ancestors);
  if (untimed !== undefined) return untimed;
  if (wrapperAround(ancestors) !== undefined) return undefined;
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
  if (wrapperAround(ancestors) !== undefined) return 'finally';
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
