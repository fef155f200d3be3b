/**
 * Which variables a snapshot reads at a line, found by real scope analysis: the function's
 * arguments, its locals, then each enclosing function's and the module's bindings. The
 * breakpoint condition reads them by name, so the app never pauses.
 */
import { RESERVED_PREFIX } from '@liveprobe/protocol';
import { defined } from '@liveprobe/protocol/util';
import type { Scope, Variable } from './scope-model.js';
import { functionNameAt } from './function-name.js';
import type { AnalysedSource } from './source-analysis.js';
import type { ScriptSourceMap } from './source-maps.js';
import { userNameOf } from './user-names.js';

export interface PlannedScope {
  kind: 'closure' | 'module';
  name?: string;
  variables: string[];
}

export interface ScopePlan {
  arguments: string[];
  locals: string[];
  scopes: PlannedScope[];
}

/** Bounds the names one capture reads; inner scopes come first, so the nearest survive. */
export const MAX_PLANNED_VARIABLES = 200;

/**
 * `map`: the script's source map; variables and functions are then shown and read by the names
 * users gave them, where the map says the script renamed them.
 */
export function scopePlanAt(analysed: AnalysedSource, offset: number, map?: ScriptSourceMap): ScopePlan {
  const nameOf = map === undefined ? (v: Variable) => v.name : userNameOf(analysed, map);
  const plan: ScopePlan = { arguments: [], locals: [], scopes: [] };
  const innermost = innermostScope(analysed, offset);
  if (innermost === undefined) return plan;
  const own = innermost.variableScope;
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
    if (level === own && !isModule) into = plan.locals;
    else {
      const kind = isModule ? 'module' : 'closure';
      const name = isModule ? undefined : functionNameAt(analysed, level.block.start, map);
      let planned = plan.scopes.at(-1);
      if (planned === undefined || planned.kind !== kind || planned.name !== name) {
        planned = { kind, ...defined({ name }), variables: [] };
        plan.scopes.push(planned);
      }
      into = planned.variables;
    }
    for (const variable of scope.variables) {
      if (variable.def === undefined) continue; // implicit `arguments`
      // A prepared file's flags and helpers: the agent's, and no expression may name them.
      if (variable.name.startsWith(RESERVED_PREFIX)) continue;
      if (level === own && notYetInitialised(variable, offset)) continue;
      if (level === own && !isModule && variable.def.type === 'Parameter') take(variable, plan.arguments);
      else take(variable, into);
    }
  }
  plan.scopes = plan.scopes.filter((s) => s.variables.length > 0);
  return plan;
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
