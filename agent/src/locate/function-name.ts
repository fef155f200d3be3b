/** Names the innermost function around a position, for `code.function.name` and snapshots. */
import type { Node } from 'acorn';
import type { AnalysedSource } from './source-analysis.js';
import type { ScriptSourceMap } from './source-maps.js';
import { mappedNameAt } from './user-names.js';

type AnyNode = Node & Record<string, unknown>;

/** A function's name as written: an identifier (which a minifier may have renamed) or a literal key. */
type WrittenName = { identifier: AnyNode & { name: string } } | { literal: string };

/**
 * `map`: the script's source map, when it has one: a minifier's or bundler's name (`p`,
 * `chargeCard2`) is then given as the map records it (`chargeCard`), the name users know.
 */
export function functionNameAt(analysed: AnalysedSource, offset: number, map?: ScriptSourceMap): string | undefined {
  const best = writtenNameAt(analysed, offset);
  if (best === undefined) return undefined;
  if (best === null) return '(anonymous)';
  if ('literal' in best) return best.literal;
  const { identifier: id } = best;
  return (map === undefined ? undefined : mappedNameAt(analysed, map, id.start)) ?? id.name;
}

/**
 * The name the map records for the function around a position, where the script renamed it (a
 * minifier's `p` → `chargeCard`); undefined where the script's own name stands. A stack frame's
 * name is V8's, the running script's: this is what replaces it.
 */
export function renamedFunctionAt(analysed: AnalysedSource, offset: number, map: ScriptSourceMap): string | undefined {
  const best = writtenNameAt(analysed, offset);
  return best !== undefined && best !== null && 'identifier' in best ? mappedNameAt(analysed, map, best.identifier.start) : undefined;
}

/** The innermost function's name as written around `offset`: null for an anonymous one, undefined outside any. */
function writtenNameAt(analysed: AnalysedSource, offset: number): WrittenName | null | undefined {
  let best: WrittenName | null | undefined;
  const visit = (node: AnyNode, name: WrittenName | undefined): void => {
    if (node.start > offset || node.end < offset) return;
    if (node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression') {
      const own = identifier(node.id);
      best = own === undefined ? (name ?? null) : { identifier: own };
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

/**
 * A position in no function: the file's top-level code, which runs once, as the file loads
 * (CommonJS's wrapper is Node's, not the file's).
 */
export function topLevelAt(analysed: AnalysedSource | undefined, offset: number): { topLevel?: true } {
  return analysed !== undefined && functionNameAt(analysed, offset) === undefined ? { topLevel: true } : {};
}

/** The name a function gets from where it is written: `const f = () => …`, `{ f() {} }`, class methods. */
function nameFor(parent: AnyNode, child: AnyNode): WrittenName | undefined {
  if (
    (parent.type === 'MethodDefinition' || parent.type === 'Property' || parent.type === 'PropertyDefinition') &&
    parent.value === child
  ) {
    const key = parent.key as AnyNode | undefined;
    const id = key?.type === 'Identifier' ? identifier(key) : undefined;
    if (id !== undefined) return { identifier: id };
    return typeof key?.value === 'string' ? { literal: key.value } : undefined;
  }
  if (parent.type === 'VariableDeclarator' && parent.init === child) return wrapped(identifier(parent.id));
  if (parent.type === 'AssignmentExpression' && parent.right === child) {
    const left = parent.left as AnyNode;
    return wrapped(left.type === 'Identifier' ? identifier(left) : identifier(left.property));
  }
  return undefined;
}

function identifier(node: unknown): (AnyNode & { name: string }) | undefined {
  const n = node as AnyNode | null | undefined;
  return (n?.type === 'Identifier' || n?.type === 'PrivateIdentifier') && typeof n.name === 'string'
    ? (n as AnyNode & { name: string })
    : undefined;
}

function wrapped(id: (AnyNode & { name: string }) | undefined): WrittenName | undefined {
  return id === undefined ? undefined : { identifier: id };
}
