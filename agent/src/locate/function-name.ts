/** Names the innermost function around a position, for `code.function.name` and snapshots. */
import type { Node } from 'acorn';
import type { AnalysedSource } from './source-analysis.js';

type AnyNode = Node & Record<string, unknown>;

export function functionNameAt(analysed: AnalysedSource, offset: number): string | undefined {
  let best: string | undefined;
  const visit = (node: AnyNode, name: string | undefined): void => {
    if (node.start > offset || node.end < offset) return;
    if (node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression') {
      const own = (node.id as { name?: string } | null | undefined)?.name;
      best = own ?? name ?? '(anonymous)';
    }
    for (const [field, value] of Object.entries(node)) {
      if (field === 'loc') continue;
      const children = Array.isArray(value) ? value : [value];
      for (const child of children) {
        if (child !== null && typeof child === 'object' && typeof (child as AnyNode).type === 'string') {
          visit(child as AnyNode, nameFor(node, child as AnyNode));
        }
      }
    }
  };
  visit(analysed.program as unknown as AnyNode, undefined);
  return best;
}

/** The name a function gets from where it is written: `const f = () => …`, `{ f() {} }`, class methods. */
function nameFor(parent: AnyNode, child: AnyNode): string | undefined {
  const key = parent.key as { type?: string; name?: string; value?: unknown } | undefined;
  const keyName = key?.type === 'Identifier' ? key.name : typeof key?.value === 'string' ? key.value : undefined;
  if ((parent.type === 'MethodDefinition' || parent.type === 'Property' || parent.type === 'PropertyDefinition') && parent.value === child)
    return keyName;
  if (parent.type === 'VariableDeclarator' && parent.init === child) return (parent.id as { name?: string }).name;
  if (parent.type === 'AssignmentExpression' && parent.right === child) {
    const left = parent.left as { type?: string; name?: string; property?: { name?: string } };
    return left.type === 'Identifier' ? left.name : left.property?.name;
  }
  return undefined;
}
