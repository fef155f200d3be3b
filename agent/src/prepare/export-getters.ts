/**
 * tsc's CommonJS re-exports, `Object.defineProperty(exports, "name", { enumerable: true, get:
 * function () { return dep_1.name; } })`: Node finds the names an ES module's `import` of the file
 * sees by reading its source for that exact shape (cjs-module-lexer), and a getter with sites
 * inside no longer has it, so the name would be missing. Such getters are left as written.
 */
import type { AstNode } from '../locate/ast-node.js';

/** Whether the function being visited (innermost of `ancestors`, which end at its parent) is such a getter. */
export function isExportGetter(ancestors: readonly AstNode[]): boolean {
  const property = ancestors.at(-1);
  const object = ancestors.at(-2);
  const call = ancestors.at(-3);
  if (property?.type !== 'Property' || object?.type !== 'ObjectExpression' || call?.type !== 'CallExpression') return false;
  if (keyName(property) !== 'get' || call.arguments[2] !== object) return false;
  const callee = call.callee as AstNode;
  return (
    callee.type === 'MemberExpression' &&
    !callee.computed &&
    isIdentifier(callee.object, 'Object') &&
    isIdentifier(callee.property, 'defineProperty') &&
    isExports(call.arguments[0])
  );
}

/** `exports` or `module.exports`. */
function isExports(node: AstNode | undefined): boolean {
  if (node === undefined) return false;
  if (isIdentifier(node, 'exports')) return true;
  return (
    node.type === 'MemberExpression' && !node.computed && isIdentifier(node.object, 'module') && isIdentifier(node.property, 'exports')
  );
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
