/**
 * The scopes and bindings the prepare transform and the worker's scope plans read (scope-pass.ts
 * builds them): for each scope its declared names in declaration order, and for each function
 * the outer names it references. Only what they need: the first definition of each name and no
 * reference objects, so a large file's analysis leaves little for the garbage collector.
 * Scope kinds, declaration order and resolution follow ESLint's scope analysis, whose answers
 * the transform's output was built on (scripts/prepare-identity.mjs checks they are the same).
 */
import type { AstNode } from './ast-node.js';

export type ScopeType =
  | 'global'
  | 'module'
  | 'function'
  | 'function-expression-name'
  | 'block'
  | 'switch'
  | 'catch'
  | 'with'
  | 'for'
  | 'class'
  | 'class-field-initializer'
  | 'class-static-block';

export type DefinitionType = 'Parameter' | 'FunctionName' | 'CatchClause' | 'ImportBinding' | 'ClassName' | 'Variable';

/** A name's first definition. */
export interface Definition {
  type: DefinitionType;
  /** A `Variable`'s declaration kind (`var`, `let`, `const`, `using`…). */
  kind: string | undefined;
  /** Where the defining node ends: the declarator of a `Variable`, the class of a `ClassName`. */
  end: number;
}

export interface Variable {
  name: string;
  scope: Scope;
  /** undefined for a function's implicit `arguments`. */
  def: Definition | undefined;
  /** Where the earliest of its definitions' names starts (Infinity: none). */
  defStart: number;
}

const NO_VARIABLES: readonly Variable[] = [];

export class Scope {
  variables: readonly Variable[] = NO_VARIABLES;
  private set: Map<string, Variable> | undefined;
  readonly variableScope: Scope;
  /** Holds a direct `eval` call, or encloses a scope that does: its references resolve nowhere. */
  dynamic: boolean;
  /**
   * A function's (or static block's) references that leave it, by name, each with its first
   * reference; resolved on demand (outerOf).
   */
  readonly through: Map<string, AstNode> | undefined;
  /** Where this scope's references start on the pass's reference stack while it is open. */
  base = 0;

  constructor(
    readonly type: ScopeType,
    readonly upper: Scope | null,
    readonly block: AstNode,
  ) {
    this.dynamic = type === 'global' || type === 'with';
    this.variableScope = isVariableScope(type) || upper === null ? this : upper.variableScope;
    this.through = type === 'function' || type === 'class-static-block' ? new Map() : undefined;
  }

  lookup(name: string): Variable | undefined {
    return this.set?.get(name);
  }

  /** Defines `name` here if it is new; `def` counts only if it is the name's first definition. */
  define(name: string, def: Definition | undefined, nameStart: number): void {
    let variable = this.set?.get(name);
    if (variable === undefined) {
      variable = { name, scope: this, def, defStart: def === undefined ? Number.POSITIVE_INFINITY : nameStart };
      this.set ??= new Map();
      this.set.set(name, variable);
      if (this.variables === NO_VARIABLES) this.variables = [];
      (this.variables as Variable[]).push(variable);
      return;
    }
    if (def === undefined) return;
    variable.def ??= def;
    if (nameStart < variable.defStart) variable.defStart = nameStart;
  }

  /**
   * Whether a reference at `at` may resolve to `variable` of this scope: a function's parameter
   * defaults cannot see the `var`s of its body.
   */
  resolves(variable: Variable, at: number): boolean {
    if (this.type !== 'function' || this.block.type === 'Program') return true;
    const bodyStart = (this.block.body as AstNode).start;
    return !(at < bodyStart && variable.defStart >= bodyStart);
  }
}

function isVariableScope(type: ScopeType): boolean {
  return (
    type === 'global' || type === 'module' || type === 'function' || type === 'class-field-initializer' || type === 'class-static-block'
  );
}

/**
 * What `name` read at offset `at` inside `scope` resolves to: the first enclosing declaration,
 * or null when it is global or a scope on the way holds a direct `eval`.
 */
export function resolveAt(scope: Scope, name: string, at: number): Variable | null {
  for (let s: Scope | null = scope; s !== null; s = s.upper) {
    if (s.dynamic && s.type !== 'global') {
      if (s.type === 'with') continue;
      return null;
    }
    const variable = s.lookup(name);
    if (variable !== undefined && s.resolves(variable, at)) return variable;
  }
  return null;
}

/**
 * What a reference that left `scope` resolves to: the first enclosing declaration of its name,
 * or null when it is global or a scope on the way holds a direct `eval`.
 */
export function resolveOuter(scope: Scope, reference: AstNode): Variable | null {
  if (scope.dynamic || scope.upper === null) return null;
  return resolveAt(scope.upper, reference.name, reference.start);
}
