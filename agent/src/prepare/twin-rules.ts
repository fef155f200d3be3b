/**
 * Whether a function may get an instrumented twin (docs/architecture.md §4): a copy of its body inside
 * itself, behind its entry guard. Only leaf functions (a nested function in the copy would be
 * another function object, with no sites of its own), only bodies that can be flattened onto
 * one line, and not code that runs once. Returns why not, or undefined.
 */
import { isFunction } from '../locate/ast-node.js';
import { pushChildren, type AstNode } from './ast.js';

export interface TwinCheck {
  /** Why the function gets no twin; undefined: it gets one. */
  blocker: string | undefined;
  /** Whether a body that gets a twin holds a `throw` statement: without one, its original needs no exception sites. */
  throws: boolean;
  /** Whether it holds an expression-bodied arrow, whose body has a site in the original as in the twin. */
  arrows: boolean;
}

/**
 * `plain`: the caller knows that no function or class starts in the body and that its text holds
 * nothing the scan looks for (plainBody): the body gets a twin without a walk of its nodes.
 */
export function twinBlocker(
  fn: AstNode,
  parent: AstNode | undefined,
  grandparent: AstNode | undefined,
  atTopLevel: boolean,
  plain = false,
): TwinCheck {
  if (fn.body.type !== 'BlockStatement') return { blocker: 'expression body', throws: true, arrows: true };
  // Code that runs once would carry a second copy of itself for nothing.
  if (parent !== undefined && isCalledAtOnce(fn, parent, grandparent))
    return { blocker: 'immediately invoked', throws: true, arrows: true };
  if (parent?.type === 'CallExpression' && atTopLevel && parent.callee !== fn && isModuleWrapperCall(parent))
    return { blocker: 'module factory', throws: true, arrows: true };
  return plain ? NOTHING_FOUND : scanBody(fn);
}

const NOTHING_FOUND: TwinCheck = { blocker: undefined, throws: false, arrows: false };

/**
 * Text whose nodes cannot hold what scanBody looks for, once no function or class starts in it:
 * no `throw`, `with` or `eval`, no backslash (a name spelt with a `\u` escape, a line continuation
 * in a string), no template, and no raw U+2028 or U+2029 (a string with a line break).
 */
const SCANNED_FOR = /throw|with|eval|[`\\\u2028\u2029]/;

/** Whether `source[from, to)` holds none of SCANNED_FOR: one native search instead of a walk of its nodes. */
export function plainBody(source: string, from: number, to: number): boolean {
  return !SCANNED_FOR.test(source.slice(from, to));
}

function isCalledAtOnce(fn: AstNode, parent: AstNode, grandparent: AstNode | undefined): boolean {
  if (parent.type === 'CallExpression' && parent.callee === fn) return true;
  // (function () {}).call(this) and .apply
  return (
    parent.type === 'MemberExpression' && parent.object === fn && grandparent?.type === 'CallExpression' && grandparent.callee === parent
  );
}

/** UMD: `(function (root, factory) {…})(this, function () {…})`, or AMD's `define(…, factory)`. */
function isModuleWrapperCall(call: AstNode): boolean {
  const callee = call.callee;
  return isFunction(callee) || (callee.type === 'Identifier' && callee.name === 'define');
}

const LINE_BREAK = /[\n\r\u2028\u2029]/;

function scanBody(fn: AstNode): TwinCheck {
  let throws = false;
  let arrows = false;
  // Only the body is copied: functions in parameter defaults are prepared on their own.
  const stack: AstNode[] = [fn.body];
  while (stack.length > 0) {
    const node = stack.pop()!;
    switch (node.type) {
      case 'ThrowStatement':
        throws = true;
        break;
      case 'FunctionExpression':
      case 'FunctionDeclaration':
        return blocker('contains a nested function');
      case 'ArrowFunctionExpression':
        if (node.body.type === 'BlockStatement') return blocker('contains a nested function');
        arrows = true;
        break;
      case 'ClassDeclaration':
      case 'ClassExpression':
        return blocker('contains a class');
      case 'WithStatement':
        return blocker('`with`');
      case 'CallExpression':
        if (node.callee.type === 'Identifier' && node.callee.name === 'eval') return blocker('direct `eval`');
        break;
      case 'TemplateLiteral':
        if (node.quasis.some((q: AstNode) => LINE_BREAK.test(q.value.raw))) return blocker('multi-line template');
        break;
      case 'Literal':
        if (typeof node.value === 'string' && LINE_BREAK.test(node.raw ?? '')) return blocker('multi-line string');
        break;
    }
    pushChildren(node, stack);
  }
  return { blocker: undefined, throws, arrows };
}

function blocker(reason: string): TwinCheck {
  return { blocker: reason, throws: true, arrows: true };
}
