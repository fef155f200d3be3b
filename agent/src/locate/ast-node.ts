/** An ESTree node as acorn builds it: its type and its offsets (the scope pass and the transform read no `loc` or `range`). */
export interface AstNode {
  type: string;
  start: number;
  end: number;
  // ESTree fields vary by node type; readers check `type` before reading them.
  [field: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as AstNode).type === 'string';
}

/** The node types that open a function: its parameters and body make a scope of their own. */
export function isFunction(node: AstNode): boolean {
  return node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression';
}

/** The child of `node` whose source holds `offset`, if any: one step of a walk down to a position. */
export function childAround(node: AstNode, offset: number): AstNode | undefined {
  for (const value of Object.values(node)) {
    for (const child of Array.isArray(value) ? value : [value]) {
      if (isNode(child) && child.start <= offset && offset < child.end) return child;
    }
  }
  return undefined;
}
