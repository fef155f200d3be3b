/** Names the innermost function around a line, for the `code.function.name` attribute. */
import { parse, type Node } from 'acorn';

type AnyNode = Node & Record<string, unknown>;

export function functionNameAt(source: string, line: number): string | undefined {
  let program: Node;
  try {
    program = parse(source, { ecmaVersion: 'latest', sourceType: 'module', locations: true, allowHashBang: true, allowReturnOutsideFunction: true });
  } catch {
    try {
      program = parse(source, { ecmaVersion: 'latest', sourceType: 'script', locations: true, allowHashBang: true, allowReturnOutsideFunction: true });
    } catch {
      return undefined;
    }
  }
  let best: string | undefined;
  const visit = (node: AnyNode, name: string | undefined): void => {
    const loc = node.loc;
    if (loc === undefined || loc === null || loc.start.line > line || loc.end.line < line) return;
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
  visit(program as AnyNode, undefined);
  return best;
}

/** The name a function gets from where it is written: `const f = () => …`, `{ f() {} }`, class methods. */
function nameFor(parent: AnyNode, child: AnyNode): string | undefined {
  const key = parent.key as { type?: string; name?: string; value?: unknown } | undefined;
  const keyName = key?.type === 'Identifier' ? key.name : typeof key?.value === 'string' ? key.value : undefined;
  if ((parent.type === 'MethodDefinition' || parent.type === 'Property' || parent.type === 'PropertyDefinition') && parent.value === child) return keyName;
  if (parent.type === 'VariableDeclarator' && parent.init === child) return (parent.id as { name?: string }).name;
  if (parent.type === 'AssignmentExpression' && parent.right === child) {
    const left = parent.left as { type?: string; name?: string; property?: { name?: string } };
    return left.type === 'Identifier' ? left.name : left.property?.name;
  }
  return undefined;
}
