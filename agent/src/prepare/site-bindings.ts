/**
 * The bindings a probe site passes by name: only those definitely initialised there (no TDZ)
 * and only what the original function already sees (its own scopes, plus outer variables it
 * references), found by scope analysis. Passing more would change how V8 allocates the outer
 * scope (docs/architecture.md §4). An outer `let`/`const`/`class` or import the function uses may be
 * uninitialised when it runs (a hoisted caller, an import cycle): it is passed lazily, read when
 * an action asks for it, and a read in its TDZ is reported as such.
 */
import type { Scope, Variable } from 'eslint-scope';
import type { AstNode } from './ast.js';

/** Bounds the scope object a site builds (inner scopes first). */
export const MAX_SITE_BINDINGS = 64;

export interface SiteFunction {
  /** The scope where walking up stops (the function's, or the module's). */
  scope: Scope;
  /** undefined at the top level of a file. */
  node: AstNode | undefined;
  /** The functions around it, innermost first: a hoisted declaration may run before outer `let`s. */
  outer: readonly AstNode[];
}

export interface SiteBinding {
  name: string;
  /** Read through a closure when asked: it may be in its TDZ. */
  lazy: boolean;
  /** A parameter of the site's own function, another of its bindings, or a binding of an enclosing scope. */
  kind: 'argument' | 'local' | 'outer';
}

export function bindingsAt(innermost: Scope, offset: number, fn: SiteFunction): SiteBinding[] {
  const names: SiteBinding[] = [];
  const seen = new Set<string>();
  // Stops at the limit: a module or bundle scope with thousands of names made every site slow.
  for (let scope: Scope | null = innermost; scope !== null && names.length < MAX_SITE_BINDINGS; scope = scope.upper) {
    if (scope.type === 'global') break;
    for (const variable of scope.variables) {
      if (names.length === MAX_SITE_BINDINGS) break;
      if (seen.has(variable.name)) continue;
      seen.add(variable.name);
      if (variable.defs.length === 0 || variable.name.startsWith('$lp')) continue;
      if (initialisedAt(variable, scope, offset)) names.push({ name: variable.name, lazy: false, kind: kindOf(variable, fn) });
    }
    if (scope === fn.scope) break;
  }
  outerBindings(fn, names, seen);
  return names.slice(0, MAX_SITE_BINDINGS);
}

/**
 * What an exception site's `catch` around a function's body sees: the function's parameters and
 * `var`s (its `let`s, `const`s and function declarations live inside the `try` block), and the
 * outer bindings the function already uses.
 */
export function catchBindings(fn: SiteFunction): SiteBinding[] {
  const names: SiteBinding[] = [];
  const seen = new Set<string>();
  for (const variable of fn.scope.variables) {
    if (names.length === MAX_SITE_BINDINGS) break;
    seen.add(variable.name);
    const def = variable.defs[0];
    if (def === undefined || variable.name.startsWith('$lp')) continue;
    if (def.type === 'Parameter' || (def.type === 'Variable' && def.parent.kind === 'var'))
      names.push({ name: variable.name, lazy: false, kind: kindOf(variable, fn) });
  }
  outerBindings(fn, names, seen);
  return names.slice(0, MAX_SITE_BINDINGS);
}

/** The outer bindings the function references, lazily read when they may be in their TDZ. */
function outerBindings(fn: SiteFunction, names: SiteBinding[], seen: Set<string>): void {
  const node = fn.node;
  if (node === undefined || names.length >= MAX_SITE_BINDINGS) return;
  for (const reference of fn.scope.through) {
    if (names.length === MAX_SITE_BINDINGS) break;
    const variable = reference.resolved;
    if (variable === null || seen.has(variable.name)) continue;
    seen.add(variable.name);
    if (variable.defs.length === 0 || variable.name.startsWith('$lp')) continue;
    names.push({ name: variable.name, lazy: !initialisedBefore(variable, node, fn.outer), kind: 'outer' });
  }
}

function kindOf(variable: Variable, fn: SiteFunction): SiteBinding['kind'] {
  return variable.scope === fn.scope && variable.defs[0]?.type === 'Parameter' && fn.node !== undefined ? 'argument' : 'local';
}

/** A binding of the site's own function, at `offset`. */
export function initialisedAt(variable: Variable, scope: Scope, offset: number): boolean {
  const def = variable.defs[0]!;
  switch (def.type) {
    case 'Parameter':
    case 'FunctionName':
    case 'CatchClause':
      return true;
    case 'ImportBinding':
      // An import cycle can leave an imported binding uninitialised when the site runs.
      return false;
    case 'ClassName':
      return scope.type !== 'class' && (def.node as unknown as AstNode).end <= offset;
    case 'Variable':
      if (def.parent.kind === 'var') return true;
      // A `case` can be entered past another case's declaration.
      if (scope.type === 'switch') return false;
      return (def.node as unknown as AstNode).end <= offset;
    default:
      return false;
  }
}

/** An outer binding the function references: initialised whenever the function can run. */
function initialisedBefore(variable: Variable, fn: AstNode, outer: readonly AstNode[]): boolean {
  const def = variable.defs[0]!;
  switch (def.type) {
    case 'Parameter':
    case 'FunctionName':
    case 'CatchClause':
      return true;
    case 'ImportBinding':
      return false;
    case 'ClassName':
    case 'Variable': {
      if (def.type === 'Variable' && def.parent.kind === 'var') return true;
      if (variable.scope.type === 'class' || variable.scope.type === 'switch') return false;
      const declaredEnd = (def.node as unknown as AstNode).end;
      if (declaredEnd > fn.start) return false;
      // A function declaration is hoisted: it (and closures it creates) can run before the `let`.
      const owner = variable.scope.block as unknown as AstNode;
      for (const f of [fn, ...outer]) {
        if (f.start < owner.start || f.end > owner.end) break;
        if (f.type === 'FunctionDeclaration') return false;
      }
      return true;
    }
    default:
      return false;
  }
}
