/** Finds a function in a parsed script, by a position inside it or by name, for duration actions. */
import type { Node } from 'acorn';
import { positionOf, type AnalysedSource } from './source-analysis.js';
import { isFinallyWrapper } from './prepared-wrappers.js';

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

/**
 * A node's children in field order. `for … in` rather than Object.entries, and no array per
 * field: listing an 8.5 MB prepared bundle's functions took 0.36 s with them (docs/BENCHMARKS.md).
 */
function children(node: AnyNode): AnyNode[] {
  const out: AnyNode[] = [];
  for (const field in node) {
    if (field === 'loc') continue;
    const value = node[field];
    if (Array.isArray(value)) {
      for (const child of value) if (isChild(child)) out.push(child);
    } else if (isChild(value)) out.push(value);
  }
  return out;
}

function isChild(value: unknown): value is AnyNode {
  return value !== null && typeof value === 'object' && typeof (value as AnyNode).type === 'string';
}

/**
 * How a generated script's code relates to the user's source, from its source map: a bundler
 * merges files and renames what collides (esbuild's `PriceCalculator2`), keeping the name the
 * user wrote in the map's `names`.
 */
export interface OriginalNames {
  /** The name the user wrote for the identifier at this offset, when the map records one. */
  nameAt(offset: number): string | undefined;
  /** Whether the code at this offset comes from the user's file. */
  inFile(offset: number): boolean;
}

type Identifier = { name?: string; start: number } | null | undefined;

/** A function, with where the code declaring it starts (`head`): its line is the function's too. */
interface DeclaredFunction {
  node: AnyNode;
  name: string;
  head: number;
  /** Declared by a statement or member (`function f`, `const f =`, a method), not written as an argument or operand. */
  declared: boolean;
}

/**
 * Where the declaration that `child` is (part of) starts, when `child` leads to a function
 * declared there: the method's key (`async findAll(input) {`, whose function node starts at the
 * parameters), the `const` of `const f = () => {`, the `export` of `export function f() {`,
 * the target of `exports.f = function () {`. A line is known by its first token, and these
 * lines name the function they declare.
 */
function declarationHead(node: AnyNode, child: AnyNode, head: number | undefined): number | undefined {
  switch (node.type) {
    case 'ExportNamedDeclaration':
    case 'ExportDefaultDeclaration':
      return node.declaration === child ? node.start : undefined;
    case 'ExpressionStatement':
      return node.expression === child ? node.start : undefined;
    case 'VariableDeclaration':
      return (node.declarations as unknown[]).length === 1 ? (head ?? node.start) : undefined;
    case 'VariableDeclarator':
      return node.init === child ? (head ?? node.start) : undefined;
    case 'AssignmentExpression':
      return node.right === child ? (head ?? node.start) : undefined;
    case 'MethodDefinition':
    case 'Property':
    case 'PropertyDefinition':
      return node.value === child ? (head ?? node.start) : undefined;
    default:
      return undefined;
  }
}

/**
 * Every function with the name it is known by: `f`, `Class.method`, `obj.key`, or `(anonymous)`.
 * A class assigned to a variable (`var PriceCalculator = class {`, as bundlers write classes)
 * is known by the variable's name.
 */
function allFunctions(analysed: AnalysedSource, names?: OriginalNames): DeclaredFunction[] {
  const found: DeclaredFunction[] = [];
  const nameOf = (id: Identifier): string | undefined => (id?.name === undefined ? undefined : (names?.nameAt(id.start) ?? id.name));
  const visit = (node: AnyNode, name: string | undefined, owner: string | undefined, head?: number): void => {
    if (FUNCTION_TYPES.has(node.type)) {
      const own = nameOf(node.id as Identifier) ?? name ?? '(anonymous)';
      found.push({
        node,
        name: owner === undefined ? own : `${owner}.${own}`,
        head: head ?? node.start,
        declared: head !== undefined || node.type === 'FunctionDeclaration',
      });
    }
    const className =
      node.type === 'ClassDeclaration' || node.type === 'ClassExpression' ? (nameOf(node.id as Identifier) ?? name) : undefined;
    for (const child of children(node)) {
      const key = node.key as { name?: string; value?: unknown } | undefined;
      const keyName = key?.name ?? (typeof key?.value === 'string' ? key.value : undefined);
      let childName: string | undefined;
      if ((node.type === 'MethodDefinition' || node.type === 'Property' || node.type === 'PropertyDefinition') && node.value === child)
        childName = keyName;
      else if (node.type === 'VariableDeclarator' && node.init === child) childName = nameOf(node.id as Identifier);
      visit(
        child,
        childName,
        className ??
          (node.type === 'ClassBody' || node.type === 'MethodDefinition' || node.type === 'PropertyDefinition' ? owner : undefined),
        declarationHead(node, child, head),
      );
    }
  };
  visit(analysed.program as unknown as AnyNode, undefined, undefined);
  return found;
}

/**
 * Each analysis's functions by the names its code has, listed on first use and kept as long as
 * the analysis is (the worker's AnalysisCache): every duration installed in a burst looks up its
 * function, and each lookup walked the whole file, ~0.2-0.4 s for an 8.5 MB prepared bundle.
 */
const listed = new WeakMap<AnalysedSource, readonly DeclaredFunction[]>();

function functionsOf(analysed: AnalysedSource): readonly DeclaredFunction[] {
  let functions = listed.get(analysed);
  if (functions === undefined) {
    functions = allFunctions(analysed);
    listed.set(analysed, functions);
  }
  return functions;
}

function rangeOf(node: AnyNode, name: string): FunctionRange {
  const body = node.body as AnyNode;
  const statements = body.type === 'BlockStatement' ? (body.body as AnyNode[]) : [];
  const throws: number[] = [];
  const visit = (n: AnyNode): void => {
    if (n !== body && FUNCTION_TYPES.has(n.type)) return;
    if (n.type === 'ThrowStatement') throws.push(n.start);
    for (const child of children(n)) if (!isFinallyWrapper(n) || child !== n.handler) visit(child);
  };
  visit(body);
  const entry = body.type !== 'BlockStatement' ? body.start : (statements[0]?.start ?? body.end - 1);
  return { name, node, entry, bodyStart: body.start, bodyEnd: body.end, throws };
}

/**
 * The function a position names: the first one declared on its line from there on (a line that
 * declares a function names it, even where a prepared file's guard starts the line), else the
 * innermost one around it, its declaration included.
 */
export function functionAt(analysed: AnalysedSource, offset: number): FunctionRange | undefined {
  return functionAtPlaces(analysed, [offset]);
}

/**
 * The function a line of the user's source names, from its places in the generated script (in
 * generated order): the first place whose line declares one, else the function around the first
 * place. A compiler may put part of the line elsewhere first: tsc's CommonJS output of
 * `export function f() {` starts with `exports.f = f;`, hoisted to the top of the file.
 */
export function functionAtPlaces(analysed: AnalysedSource, offsets: readonly number[]): FunctionRange | undefined {
  const functions = functionsOf(analysed);
  const around = (offset: number): DeclaredFunction | undefined => {
    let best: DeclaredFunction | undefined;
    for (const f of functions) if (f.head <= offset && offset < f.node.end && (best === undefined || f.head >= best.head)) best = f;
    return best;
  };
  const best = offsets.map((offset) => declaredOnLine(analysed, functions, offset)).find((f) => f !== undefined) ?? around(offsets[0] ?? 0);
  return best === undefined ? undefined : rangeOf(best.node, best.name);
}

/** The first function declared on the line of `offset`, from there on. */
function declaredOnLine(analysed: AnalysedSource, functions: readonly DeclaredFunction[], offset: number): DeclaredFunction | undefined {
  const { line } = positionOf(analysed, offset);
  let found: DeclaredFunction | undefined;
  for (const f of functions)
    if (f.declared && f.head >= offset && positionOf(analysed, f.head).line === line && (found === undefined || f.head < found.head))
      found = f;
  return found;
}

/** Functions named `name` or `Class.method`; with `names`, only those of the user's file, by the names written there. */
export function functionsNamed(analysed: AnalysedSource, name: string, names?: OriginalNames): FunctionRange[] {
  return (names === undefined ? functionsOf(analysed) : allFunctions(analysed, names))
    .filter((f) => f.name === name && (names === undefined || names.inFile(f.node.start)))
    .map((f) => rangeOf(f.node, f.name));
}
