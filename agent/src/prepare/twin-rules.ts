/**
 * Whether a function may get an instrumented twin (docs/architecture.md §4): only leaf functions
 * whose body means the same when copied next to them. Returns why not, or undefined.
 */
import type { Scope } from 'eslint-scope';
import { boundNames, childrenOf, isFunction, type AstNode } from './ast.js';

export function twinBlocker(
  fn: AstNode,
  parent: AstNode | undefined,
  grandparent: AstNode | undefined,
  atTopLevel: boolean,
  scope: Scope,
): string | undefined {
  if (fn.body.type !== 'BlockStatement') return 'expression body';
  if (fn.generator) return 'generator';
  if (parent !== undefined && isCalledAtOnce(fn, parent, grandparent)) return 'immediately invoked';
  if (parent?.type === 'CallExpression' && atTopLevel && parent.callee !== fn && isModuleWrapperCall(parent)) return 'module factory';
  const names = fn.params.flatMap((p: AstNode) => boundNames(p));
  if (new Set(names).size !== names.length) return 'duplicate parameter names';
  const inside = scanBody(fn);
  if (inside !== undefined) return inside;
  if (usesArguments(scope)) return '`arguments`';
  if (fn.type === 'FunctionExpression' && fn.id !== null && selfReferenced(scope)) return 'refers to its own name';
  return undefined;
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

function scanBody(fn: AstNode): string | undefined {
  const stack: AstNode[] = [...fn.params, fn.body];
  while (stack.length > 0) {
    const node = stack.pop()!;
    switch (node.type) {
      case 'FunctionExpression':
      case 'FunctionDeclaration':
        return 'contains a nested function';
      case 'ArrowFunctionExpression':
        if (node.body.type === 'BlockStatement') return 'contains a nested function';
        break;
      case 'ClassDeclaration':
      case 'ClassExpression':
        return 'contains a class';
      case 'Super':
        return '`super`';
      case 'MetaProperty':
        if (node.meta.name === 'new') return '`new.target`';
        break;
      case 'PrivateIdentifier':
        return '`#private` member (the twin lives outside the class)';
      case 'WithStatement':
        return '`with`';
      case 'CallExpression':
        if (node.callee.type === 'Identifier' && node.callee.name === 'eval') return 'direct `eval`';
        break;
      case 'TemplateLiteral':
        if (node.quasis.some((q: AstNode) => /[\n\r\u2028\u2029]/.test(q.value.raw))) return 'multi-line template';
        break;
      case 'Literal':
        if (typeof node.value === 'string' && /[\n\r\u2028\u2029]/.test(node.raw ?? '')) return 'multi-line string';
        break;
    }
    stack.push(...childrenOf(node));
  }
  return undefined;
}

function usesArguments(scope: Scope): boolean {
  const stack: Scope[] = [scope];
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (s.references.some((r) => r.identifier.name === 'arguments')) return true;
    stack.push(...s.childScopes);
  }
  return false;
}

function selfReferenced(scope: Scope): boolean {
  const upper = scope.upper;
  if (upper === null || upper.type !== 'function-expression-name') return false;
  return upper.variables.some((v) => v.references.length > 0);
}

/** Whether the function or an arrow inside it reads `this`. */
export function readsThis(fn: AstNode): boolean {
  const stack: AstNode[] = [fn.body];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'ThisExpression') return true;
    if (isFunction(node) && node.type !== 'ArrowFunctionExpression') continue;
    stack.push(...childrenOf(node));
  }
  return false;
}
