/** The slice of the ESTree shape the transform reads; acorn nodes carry offsets. */
import { isNode, type AstNode } from '../locate/ast-node.js';
import { CHILD_KEYS } from './child-keys.js';

export { isNode, type AstNode };

/** Child nodes in source order. */
export function childrenOf(node: AstNode): AstNode[] {
  return pushChildren(node, []);
}

/** Appends `node`'s children to `out` in source order, without an array of their own (the scans' stacks). */
export function pushChildren(node: AstNode, out: AstNode[]): AstNode[] {
  const base = out.length;
  const keys = CHILD_KEYS.get(node.type);
  if (keys !== undefined) for (const key of keys) pushNodes(node[key], out);
  else
    for (const key in node) {
      if (key !== 'loc' && key !== 'range') pushNodes(node[key], out);
    }
  // Parsers list a node's fields in source order nearly always: sort only the exceptions.
  if (!inOrder(out, base)) {
    const children = out.splice(base).sort(byStart);
    for (const child of children) out.push(child);
  }
  return out;
}

/** Pushes the node or nodes a field holds, if any. */
function pushNodes(value: unknown, out: AstNode[]): void {
  if (Array.isArray(value)) {
    for (const item of value) if (isNode(item)) out.push(item);
  } else if (isNode(value)) out.push(value);
}

function inOrder(nodes: readonly AstNode[], from: number): boolean {
  for (let i = from + 1; i < nodes.length; i++) if (nodes[i]!.start < nodes[i - 1]!.start) return false;
  return true;
}

const byStart = (a: AstNode, b: AstNode): number => a.start - b.start;

/** How many statements open `statements` as its directive prologue (`'use strict'`). */
export function prologueLength(statements: readonly AstNode[]): number {
  let n = 0;
  while (n < statements.length && statements[n]!.directive !== undefined) n++;
  return n;
}

/** The names a parameter pattern binds, in order. */
export function boundNames(pattern: AstNode, out: string[] = []): string[] {
  switch (pattern.type) {
    case 'Identifier':
      out.push(pattern.name);
      break;
    case 'AssignmentPattern':
      boundNames(pattern.left, out);
      break;
    case 'RestElement':
      boundNames(pattern.argument, out);
      break;
    case 'ArrayPattern':
      for (const element of pattern.elements) if (element !== null) boundNames(element, out);
      break;
    case 'ObjectPattern':
      for (const property of pattern.properties) boundNames(property.type === 'RestElement' ? property : property.value, out);
      break;
  }
  return out;
}
