/** The slice of the ESTree shape the transform reads; acorn nodes carry offsets. */
export interface AstNode {
  type: string;
  start: number;
  end: number;
  // ESTree fields vary by node type; the transform checks `type` before reading them.
  [field: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as AstNode).type === 'string';
}

/** Child nodes in source order. */
export function childrenOf(node: AstNode): AstNode[] {
  return pushChildren(node, []);
}

/** Appends `node`'s children to `out` in source order, without an array of their own (the scans' stacks). */
export function pushChildren(node: AstNode, out: AstNode[]): AstNode[] {
  const base = out.length;
  // Parsers list a node's fields in source order nearly always: sort only the exceptions.
  let sorted = true;
  let last = -1;
  for (const key in node) {
    if (key === 'loc' || key === 'range') continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const item of value) {
        if (!isNode(item)) continue;
        if (item.start < last) sorted = false;
        last = item.start;
        out.push(item);
      }
    } else if (isNode(value)) {
      if (value.start < last) sorted = false;
      last = value.start;
      out.push(value);
    }
  }
  if (!sorted) {
    const children = out.splice(base).sort(byStart);
    for (const child of children) out.push(child);
  }
  return out;
}

const byStart = (a: AstNode, b: AstNode): number => a.start - b.start;

/** How many statements open `statements` as its directive prologue (`'use strict'`). */
export function prologueLength(statements: readonly AstNode[]): number {
  let n = 0;
  while (n < statements.length && statements[n]!.directive !== undefined) n++;
  return n;
}

export function isFunction(node: AstNode): boolean {
  return node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression';
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
