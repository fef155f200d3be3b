/**
 * Functions Node reads as written. Node finds the names an ES module's `import` of a CommonJS
 * file sees by reading the file's source for exact token shapes (cjs-module-lexer), not by running
 * it; two of those shapes hold a function, and sites inside one break the shape, so names go
 * missing (rxjs's dist/cjs lost 173 of 175). Such functions are left as written:
 *
 * - a re-export getter, as tsc writes it: `Object.defineProperty(exports, "name", { enumerable:
 *   true, get: function () { return dep_1.name; } })`;
 * - the callback of a re-export loop, as Babel and rollup write it: `Object.keys(_dep).forEach(
 *   function (key) { if (key === "default" || …) return; exports[key] = _dep[key]; })`, or with
 *   `Object.defineProperty(exports, key, { enumerable: true, get: … })` as its last statement.
 *
 * Top-level statements keep their shape with a site guard before them (scripts/prepare-exports.mjs).
 */
import type { AstNode } from '../locate/ast-node.js';

/**
 * Why the function being visited (innermost of `ancestors`, which end at its parent) is left as
 * written, or undefined when it is not one of these shapes.
 */
export function exportShapeOf(fn: AstNode, ancestors: readonly AstNode[]): string | undefined {
  if (isExportGetter(ancestors)) return 'a re-export getter: Node reads it as written to list the names an `import` of the file sees';
  if (isReexportLoop(fn, ancestors))
    return 'a re-export loop: Node reads it as written to list the modules an `import` of the file re-exports';
  return undefined;
}

function isExportGetter(ancestors: readonly AstNode[]): boolean {
  const property = ancestors.at(-1);
  const object = ancestors.at(-2);
  const call = ancestors.at(-3);
  if (property?.type !== 'Property' || object?.type !== 'ObjectExpression' || call?.type !== 'CallExpression') return false;
  return keyName(property) === 'get' && call.arguments[2] === object && isDefineOnExports(call);
}

/** `Object.keys(id).forEach(function (key) { … })` whose last statement (maybe under an `if`) copies `id[key]` onto exports. */
function isReexportLoop(fn: AstNode, ancestors: readonly AstNode[]): boolean {
  const call = ancestors.at(-1);
  if (fn.type !== 'FunctionExpression' || call?.type !== 'CallExpression' || call.arguments.length !== 1 || call.arguments[0] !== fn)
    return false;
  const forEach = call.callee as AstNode;
  if (forEach.type !== 'MemberExpression' || forEach.computed || !isIdentifier(forEach.property, 'forEach')) return false;
  const keys = forEach.object as AstNode;
  if (keys.type !== 'CallExpression' || !isMember(keys.callee, 'Object', 'keys') || keys.arguments[0]?.type !== 'Identifier') return false;
  const body = (fn.body as AstNode).body as AstNode[];
  let last = body.at(-1);
  if (last?.type === 'IfStatement' && last.alternate === null) last = last.consequent as AstNode;
  if (last?.type !== 'ExpressionStatement') return false;
  const copy = last.expression as AstNode;
  if (copy.type === 'AssignmentExpression') {
    const target = copy.left as AstNode;
    return target.type === 'MemberExpression' && target.computed === true && isExports(target.object);
  }
  return copy.type === 'CallExpression' && isDefineOnExports(copy);
}

/** `Object.defineProperty(exports, …)` or `Object.defineProperty(module.exports, …)`. */
function isDefineOnExports(call: AstNode): boolean {
  return isMember(call.callee, 'Object', 'defineProperty') && isExports(call.arguments[0]);
}

/** `exports` or `module.exports`. */
function isExports(node: AstNode | undefined): boolean {
  return isIdentifier(node, 'exports') || isMember(node, 'module', 'exports');
}

/** `object.property`, both written as names. */
function isMember(node: AstNode | undefined, object: string, property: string): boolean {
  return node?.type === 'MemberExpression' && !node.computed && isIdentifier(node.object, object) && isIdentifier(node.property, property);
}

function isIdentifier(node: AstNode | undefined, name: string): boolean {
  return node?.type === 'Identifier' && node.name === name;
}

/** A property's name when it is written as one: `get`, `'get'`. */
function keyName(node: AstNode): string | undefined {
  const key = node.key as AstNode;
  if (!node.computed && key.type === 'Identifier') return key.name;
  return key.type === 'Literal' && typeof key.value === 'string' ? key.value : undefined;
}
