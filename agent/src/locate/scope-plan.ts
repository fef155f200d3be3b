/**
 * Which variables a snapshot reads at a line, found by real scope analysis: the function's
 * arguments, its locals, then each enclosing function's and the module's bindings. The
 * breakpoint condition reads them by name, so the app never pauses.
 */
import { RESERVED_PREFIX } from '@liveprobe/protocol';
import { defined } from '@liveprobe/protocol/util';
import { resolveOuter, type Scope, type Variable } from './scope-model.js';
import { functionNameAt } from './function-name.js';
import type { AnalysedSource } from './source-analysis.js';
import type { ScriptSourceMap } from './source-maps.js';
import { userNameOf } from './user-names.js';

export interface PlannedScope {
  kind: 'closure' | 'module';
  name?: string;
  variables: string[];
  /** The scope's bindings not read, the function not using them (OUTER_NAMES_SHOWN). */
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
  const seen = new Set<string>();
  let budget = MAX_PLANNED_VARIABLES;
  const take = (variable: Variable, into: string[]): void => {
    const name = nameOf(variable);
    if (budget === 0 || seen.has(name)) return;
    seen.add(name);
    into.push(name);
    budget--;
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
    for (const variable of scope.variables) {
      if (variable.def === undefined) continue; // implicit `arguments`
      // A prepared file's flags and helpers: the agent's, and no expression may name them.
      if (variable.name.startsWith(RESERVED_PREFIX)) continue;
      if (level === own && notYetInitialised(variable, offset)) continue;
      if (onlyUsed && !used.has(variable)) leftOut++;
      else if (level === own && !isModule && variable.def.type === 'Parameter') take(variable, plan.arguments);
      else take(variable, into);
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
