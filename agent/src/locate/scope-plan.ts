/**
 * Which variables a snapshot reads at a line, found by real scope analysis: the function's
 * arguments, its locals, then each enclosing function's and the module's bindings. The
 * breakpoint condition reads them by name, so the app never pauses.
 */
import { RESERVED_PREFIX } from '@liveprobe/protocol';
import { defined } from '@liveprobe/protocol/util';
import { isNode, type AstNode } from './ast-node.js';
import { resolveAt, resolveOuter, type Scope, type Variable } from './scope-model.js';
import { functionNameAt } from './function-name.js';
import { positionOf, type AnalysedSource } from './source-analysis.js';
import type { ScriptSourceMap } from './source-maps.js';
import { userNameOf } from './user-names.js';

export interface PlannedScope {
  kind: 'closure' | 'module';
  name?: string;
  variables: string[];
  /**
   * The scope's bindings not read: the function not using them (OUTER_NAMES_SHOWN), or, at a big
   * module's top level, those past MAX_PLANNED_VARIABLES.
   */
  leftOut?: number;
}

export interface ScopePlan {
  arguments: string[];
  locals: string[];
  scopes: PlannedScope[];
}

/** Bounds the names one capture reads; inner scopes come first, so the nearest survive. */
export const MAX_PLANNED_VARIABLES = 200;

/**
 * An outer scope (closure or module) with more names than this is read only for the names the
 * line's function uses, the others counted: a bundle holds every bundled library's top-level
 * names in one scope, and reading them all spent a snapshot on values nobody looks for
 * (docs/decisions.md). A module as people write one has fewer, and shows them all.
 */
export const OUTER_NAMES_SHOWN = 50;

/**
 * `map`: the script's source map; variables and functions are then shown and read by the names
 * users gave them, where the map says the script renamed them. `outer`: `all` reads every name
 * of every outer scope (an exception's callers keep that rule), `used` bounds them as above.
 */
export function scopePlanAt(analysed: AnalysedSource, offset: number, map?: ScriptSourceMap, outer: 'used' | 'all' = 'used'): ScopePlan {
  const nameOf = map === undefined ? (v: Variable) => v.name : userNameOf(analysed, map);
  const plan: ScopePlan = { arguments: [], locals: [], scopes: [] };
  const innermost = innermostScope(analysed, offset);
  if (innermost === undefined) return plan;
  const own = innermost.variableScope;
  const used = outer === 'used' ? usedOutside(own) : undefined;
  // At a big module's top level the line's own names are read first, so the bound never cuts them.
  const onLine =
    outer === 'used' && isTopLevelOf(own) && own.variables.length > OUTER_NAMES_SHOWN ? namesOnLine(analysed, offset, own) : undefined;
  const seen = new Set<string>();
  let budget = MAX_PLANNED_VARIABLES;
  /** false when the bound is spent and the name is not read. */
  const take = (variable: Variable, into: string[]): boolean => {
    const name = nameOf(variable);
    if (seen.has(name)) return true;
    if (budget === 0) return false;
    seen.add(name);
    into.push(name);
    budget--;
    return true;
  };
  for (let scope: Scope | null = innermost; scope !== null && scope.type !== 'global'; scope = scope.upper) {
    const level = scope.variableScope;
    const isModule = level.type === 'module' || isCommonJsWrapper(level);
    let into: string[];
    let planned: PlannedScope | undefined;
    if (level === own && !isModule) into = plan.locals;
    else {
      const kind = isModule ? 'module' : 'closure';
      const name = isModule ? undefined : functionNameAt(analysed, level.block.start, map);
      planned = plan.scopes.at(-1);
      if (planned === undefined || planned.kind !== kind || planned.name !== name) {
        planned = { kind, ...defined({ name }), variables: [] };
        plan.scopes.push(planned);
      }
      into = planned.variables;
    }
    const onlyUsed = level !== own && used !== undefined && scope.variables.length > OUTER_NAMES_SHOWN;
    let leftOut = 0;
    const counted = onlyUsed || (scope === own && onLine !== undefined);
    const variables = scope === own && onLine !== undefined ? lineFirst(scope.variables, onLine) : scope.variables;
    for (const variable of variables) {
      if (variable.def === undefined) continue; // implicit `arguments`
      // A prepared file's flags and helpers: the agent's, and no expression may name them.
      if (variable.name.startsWith(RESERVED_PREFIX)) continue;
      if (level === own && notYetInitialised(variable, offset)) continue;
      if (onlyUsed && !used.has(variable)) leftOut++;
      else if (level === own && !isModule && variable.def.type === 'Parameter') take(variable, plan.arguments);
      else if (!take(variable, into) && counted) leftOut++;
    }
    if (planned !== undefined && leftOut > 0) planned.leftOut = (planned.leftOut ?? 0) + leftOut;
  }
  plan.scopes = plan.scopes.filter((s) => s.variables.length > 0 || s.leftOut !== undefined);
  return plan;
}

/**
 * The outer variables the function `own` (with the functions inside it) references; undefined
 * where that is not known: at a file's top level, in a class field, or under a direct `eval`.
 */
function usedOutside(own: Scope): ReadonlySet<Variable> | undefined {
  if (own.through === undefined || own.type === 'module' || isCommonJsWrapper(own)) return undefined;
  for (let scope: Scope | null = own; scope !== null; scope = scope.upper) if (scope.dynamic && scope.type !== 'global') return undefined;
  const used = new Set<Variable>();
  for (const reference of own.through.values()) {
    const variable = resolveOuter(own, reference);
    if (variable !== null) used.add(variable);
  }
  return used;
}

/** A module's own scope (an ES module's, or a CommonJS file's wrapper): a line there is at the file's top level. */
function isTopLevelOf(scope: Scope): boolean {
  return scope.type === 'module' || isCommonJsWrapper(scope);
}

/** The names of `module` that identifiers written on the line at `offset` resolve to. */
function namesOnLine(analysed: AnalysedSource, offset: number, module: Scope): ReadonlySet<Variable> {
  const { line } = positionOf(analysed, offset);
  const from = analysed.lineStarts[line - 1] ?? 0;
  const to = analysed.lineStarts[line] ?? analysed.source.length;
  const names = new Set<Variable>();
  const visit = (node: AstNode): void => {
    if (node.type === 'Identifier') {
      const at = analysed.scopes.scopeAt(node.start);
      const variable = at === undefined ? null : resolveAt(at, node.name, node.start);
      if (variable !== null && variable.scope.variableScope === module) names.add(variable);
      return;
    }
    for (const [key, value] of Object.entries(node)) {
      // `a.b` and `{ b: 1 }` name no binding `b`.
      if ((key === 'property' && node.type === 'MemberExpression' && !node.computed) || (key === 'key' && !node.computed)) continue;
      for (const child of Array.isArray(value) ? value : [value]) if (isNode(child) && child.start < to && child.end > from) visit(child);
    }
  };
  visit(analysed.program as unknown as AstNode);
  return names;
}

/** The line's names first, then the others, each group in declaration order. */
function lineFirst(variables: readonly Variable[], onLine: ReadonlySet<Variable>): Variable[] {
  return [...variables.filter((v) => onLine.has(v)), ...variables.filter((v) => !onLine.has(v))];
}

export function innermostScope(analysed: AnalysedSource, offset: number): Scope | undefined {
  return analysed.scopes.scopeAt(offset);
}

/** The function scope the analysis opens for a CommonJS file's module wrapper. */
function isCommonJsWrapper(scope: Scope): boolean {
  return scope.type === 'function' && scope.block.type === 'Program';
}

/** `let`, `const` and `class` bindings declared after the line are in their TDZ there. */
export function notYetInitialised(variable: Variable, offset: number): boolean {
  return isLexical(variable) && variable.defStart > offset;
}

/** A `let`, `const` (or `using`) or class binding, which has a temporal dead zone. */
function isLexical(variable: Variable): boolean {
  const def = variable.def;
  if (def === undefined) return false;
  return def.type === 'ClassName' || (def.type === 'Variable' && def.kind !== 'var');
}
