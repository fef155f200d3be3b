/** Names the innermost function around a position, for `code.function.name` and snapshots. */
import type { Node } from 'acorn';
import type { ScriptSourceMap } from './source-maps.js';
import { positionOf, type AnalysedSource } from './source-analysis.js';
import { mappedNameAt } from './user-names.js';

type AnyNode = Node & Record<string, unknown>;

/** A function's name as written: an identifier (which a minifier may have renamed) or a literal key. */
type WrittenName = { identifier: AnyNode & { name: string } } | { literal: string };

/**
 * `map`: the script's source map, when it has one: a minifier's or bundler's name (`p`,
 * `chargeCard2`) is then given as the map records it (`chargeCard`), the name users know.
 */
export function functionNameAt(analysed: AnalysedSource, offset: number, map?: ScriptSourceMap): string | undefined {
  const found = innermostAt(analysed, offset);
  if (found === undefined) return undefined;
  const best = found.name;
  if (best === null) return (map === undefined ? undefined : declaredNameAt(analysed, map, found.start)) ?? '(anonymous)';
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
  const found = innermostAt(analysed, offset);
  if (found === undefined) return undefined;
  const best = found.name;
  if (best === null) return declaredNameAt(analysed, map, found.start);
  return 'identifier' in best ? mappedNameAt(analysed, map, best.identifier.start) : undefined;
}

/** `function name(`, `async function* name(`, `export default function name(` at the start of a declaration. */
const DECLARED = /^(?:export\s+(?:default\s+)?)?(?:async\s+)?function\s*\*?\s*([\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*)/u;

/**
 * The source's name for a function the script left without one: a minifier inlining a function
 * called once (terser: `return async function(t,r){…}(a,b)` for `checkout(a, b)`) keeps no
 * name for it, but maps its start to the declaration, whose name the source's text holds.
 */
function declaredNameAt(analysed: AnalysedSource, map: ScriptSourceMap, start: number): string | undefined {
  const { line, column } = positionOf(analysed, start);
  const original = map.originalFor(line, column);
  const text = original === undefined ? undefined : map.sourceContent(original.file);
  if (original === undefined || text === undefined) return undefined;
  let from = 0;
  for (let l = 1; l < original.line && from !== -1; l++) from = text.indexOf('\n', from) + 1 || -1;
  if (from === -1) return undefined;
  return DECLARED.exec(text.slice(from + original.column, from + original.column + 200))?.[1];
}

/** The innermost function around `offset` (where it starts) and its name as written: null for an anonymous one; undefined outside any. */
function innermostAt(analysed: AnalysedSource, offset: number): { name: WrittenName | null; start: number } | undefined {
  let best: { name: WrittenName | null; start: number } | undefined;
  const visit = (node: AnyNode, name: WrittenName | undefined): void => {
    if (node.start > offset || node.end < offset) return;
    if (node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression') {
      const own = identifier(node.id);
      best = { name: own === undefined ? (name ?? null) : { identifier: own }, start: node.start };
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
