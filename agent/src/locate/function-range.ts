/** Finds a function in a parsed script, by a position inside it or by name, for duration actions. */
import type { Node } from 'acorn';
import type { AnalysedSource } from './source-analysis.js';

type AnyNode = Node & Record<string, unknown>;

export interface FunctionRange {
  name: string;
  /** The function itself: prepared sites time its exits from its statements (worker/prepared/timed-exits.ts). */
  node: Node;
  /** Offset of the first statement (or of the body, for an expression-bodied arrow). */
  entry: number;
  bodyStart: number;
  bodyEnd: number;
  /** Offsets of `throw` statements of this function itself (not of functions nested in it). */
  throws: number[];
}

const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

function children(node: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  for (const [field, value] of Object.entries(node)) {
    if (field === 'loc') continue;
    for (const child of Array.isArray(value) ? value : [value]) {
      if (child !== null && typeof child === 'object' && typeof (child as AnyNode).type === 'string') out.push(child as AnyNode);
    }
  }
  return out;
}

/** Every function with the name it is known by: `f`, `Class.method`, `obj.key`, or `(anonymous)`. */
function allFunctions(analysed: AnalysedSource): { node: AnyNode; name: string }[] {
  const found: { node: AnyNode; name: string }[] = [];
  const visit = (node: AnyNode, name: string | undefined, owner: string | undefined): void => {
    if (FUNCTION_TYPES.has(node.type)) {
      const own = (node.id as { name?: string } | null | undefined)?.name ?? name ?? '(anonymous)';
      found.push({ node, name: owner === undefined ? own : `${owner}.${own}` });
    }
    const className =
      node.type === 'ClassDeclaration' || node.type === 'ClassExpression' ? (node.id as { name?: string } | null)?.name : undefined;
    for (const child of children(node)) {
      const key = node.key as { name?: string; value?: unknown } | undefined;
      const keyName = key?.name ?? (typeof key?.value === 'string' ? key.value : undefined);
      let childName: string | undefined;
      if ((node.type === 'MethodDefinition' || node.type === 'Property' || node.type === 'PropertyDefinition') && node.value === child)
        childName = keyName;
      else if (node.type === 'VariableDeclarator' && node.init === child) childName = (node.id as { name?: string }).name;
      visit(
        child,
        childName,
        className ??
          (node.type === 'ClassBody' || node.type === 'MethodDefinition' || node.type === 'PropertyDefinition' ? owner : undefined),
      );
    }
  };
  visit(analysed.program as unknown as AnyNode, undefined, undefined);
  return found;
}

function rangeOf(node: AnyNode, name: string): FunctionRange {
  const body = node.body as AnyNode;
  const statements = body.type === 'BlockStatement' ? (body.body as AnyNode[]) : [];
  const throws: number[] = [];
  const visit = (n: AnyNode): void => {
    if (n !== body && FUNCTION_TYPES.has(n.type)) return;
    if (n.type === 'ThrowStatement') throws.push(n.start);
    for (const child of children(n)) visit(child);
  };
  visit(body);
  const entry = body.type !== 'BlockStatement' ? body.start : (statements[0]?.start ?? body.end - 1);
  return { name, node, entry, bodyStart: body.start, bodyEnd: body.end, throws };
}

/** The innermost function around an offset. */
export function functionAt(analysed: AnalysedSource, offset: number): FunctionRange | undefined {
  let best: { node: AnyNode; name: string } | undefined;
  for (const f of allFunctions(analysed)) {
    if (f.node.start <= offset && offset < f.node.end && (best === undefined || f.node.start >= best.node.start)) best = f;
  }
  return best === undefined ? undefined : rangeOf(best.node, best.name);
}

/** Functions named `name` or `Class.method`. */
export function functionsNamed(analysed: AnalysedSource, name: string): FunctionRange[] {
  return allFunctions(analysed)
    .filter((f) => f.name === name)
    .map((f) => rangeOf(f.node, f.name));
}
