/**
 * The bindings a probe site passes by name: only those definitely initialised there (no TDZ)
 * and only what the original function already sees (its own scopes, plus outer variables it
 * references), found by scope analysis. Passing more would change how V8 allocates the outer
 * scope (docs/architecture.md §4). An outer `let`/`const`/`class` or import the function uses may be
 * uninitialised when it runs (a hoisted caller, an import cycle): it is passed lazily, read when
 * an action asks for it, and a read in its TDZ is reported as such.
 */
import { resolveOuter, type Scope, type Variable } from '../locate/scope-model.js';
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

/**
 * The bindings a site in `innermost` may pass, in the order it passes them, each with the offset
 * from which it is initialised (`-Infinity`: at every site of the scope). A site takes, in order, the first MAX_SITE_BINDINGS of those initialised at its
 * offset. Computed once per scope, not per site: a scope's sites share everything but the
 * offset, and walking the scope chain for each of them was most of the transform's time.
 */
export class SiteBindings {
  /** The names, `*name` for a binding passed lazily (a reader), parallel to `from`. */
  private readonly names: string[] = [];
  private readonly from: number[] = [];
  /** Each binding's kind for exception sites (prepare/exception-sites.ts): `a` argument, `l` local, `o` outer. */
  private readonly kinds: string[] = [];
  /** The distinct offsets inside the block from which a binding is initialised, ascending (none: every binding is initialised everywhere). */
  private readonly thresholds: number[];
  /**
   * A probe site's pass by how many of `thresholds` its offset reaches: the index of its name list
   * (SiteNameTable) and its values. Sites past the same declarations pass the same bindings.
   */
  private readonly passes: (SitePassText | undefined)[] = [];

  constructor(
    innermost: Scope,
    readonly fn: SiteFunction,
  ) {
    const seen = new Set<string>();
    // The scope's sites lie inside its block: a binding initialised before the block is
    // initialised at every one of them, one initialised after it at none.
    const block = innermost.block as unknown as AstNode;
    let thresholds: Set<number> | undefined;
    let always = 0;
    // Once MAX_SITE_BINDINGS always-initialised names are listed, no later name can be passed:
    // a module or bundle scope with thousands of names made every site slow.
    chain: for (let scope: Scope | null = innermost; scope !== null; scope = scope.upper) {
      if (scope.type === 'global') break;
      for (const variable of scope.variables) {
        if (seen.has(variable.name)) continue;
        seen.add(variable.name);
        if (variable.def === undefined || variable.name.startsWith('$lp')) continue;
        const from = initialisedFrom(variable, scope);
        if (from > block.end) continue;
        const kind = kindOf(variable, fn);
        if (from > block.start) {
          (thresholds ??= new Set()).add(from);
          this.add(variable.name, from, kind);
          continue;
        }
        this.add(variable.name, Number.NEGATIVE_INFINITY, kind);
        if (++always === MAX_SITE_BINDINGS) break chain;
      }
      if (scope === fn.scope) break;
    }
    if (always < MAX_SITE_BINDINGS) {
      for (const { name, lazy } of outerBindings(fn)) {
        if (seen.has(name)) continue;
        this.add(lazy ? `*${name}` : name, Number.NEGATIVE_INFINITY, 'o');
        if (++always === MAX_SITE_BINDINGS) break;
      }
    }
    this.thresholds = thresholds === undefined ? NONE : [...thresholds].sort((a, b) => a - b);
  }

  private add(name: string, from: number, kind: string): void {
    this.names.push(name);
    this.from.push(from);
    this.kinds.push(kind);
  }

  /**
   * A probe site's bindings at `offset`: the index of their names in `table` (added there the
   * first time) and their values as the rest of its array literal, `, a, () => c`.
   */
  passAt(offset: number, table: SiteNameTable): SitePassText {
    const thresholds = this.thresholds;
    let reached = 0;
    while (reached < thresholds.length && thresholds[reached]! <= offset) reached++;
    let pass = this.passes[reached];
    if (pass === undefined) {
      const names = this.namesAt(offset);
      const values: string[] = [];
      for (const name of names) values.push(name.charCodeAt(0) === STAR ? `, () => ${name.slice(1)}` : `, ${name}`);
      // Joined: each of the sites that copies it copies one flat string, not a chain of pieces.
      pass = { list: table.add(names), values: values.join('') };
      this.passes[reached] = pass;
    }
    return pass;
  }

  /** The kinds of the bindings `fieldsAt(offset)` passes, one letter each. */
  kindsAt(offset: number): string {
    let out = '';
    for (let i = 0; i < this.from.length && out.length < MAX_SITE_BINDINGS; i++) if (this.from[i]! <= offset) out += this.kinds[i]!;
    return out;
  }

  /** The site's bindings by name, as the rest of an exception site's array literal: `, "a", a, "*c", () => c`. */
  fieldsAt(offset: number): string {
    let out = '';
    for (const name of this.namesAt(offset))
      out += name.charCodeAt(0) === STAR ? `, "${name}", () => ${name.slice(1)}` : `, "${name}", ${name}`;
    return out;
  }

  /** The first MAX_SITE_BINDINGS names initialised at `offset`. */
  private namesAt(offset: number): string[] {
    const names: string[] = [];
    for (let i = 0; i < this.from.length && names.length < MAX_SITE_BINDINGS; i++) if (this.from[i]! <= offset) names.push(this.names[i]!);
    return names;
  }
}

/** What a probe site passes: the index of its names' list (SiteNameTable) and its values (`, a, () => c`). */
export interface SitePassText {
  list: number;
  values: string;
}

const NONE: number[] = [];
const STAR = 42;

/**
 * What an exception site's `catch` around a function's body sees, as `fieldsAt` gives it, with
 * its kinds: the function's parameters and `var`s (its `let`s, `const`s and function
 * declarations live inside the `try` block), and the outer bindings the function already uses.
 */
export function catchBindings(fn: SiteFunction): { kinds: string; fields: string } {
  let kinds = '';
  let fields = '';
  const seen = new Set<string>();
  for (const variable of fn.scope.variables) {
    if (kinds.length === MAX_SITE_BINDINGS) break;
    seen.add(variable.name);
    const def = variable.def;
    if (def === undefined || variable.name.startsWith('$lp')) continue;
    if (def.type !== 'Parameter' && !(def.type === 'Variable' && def.kind === 'var')) continue;
    kinds += kindOf(variable, fn);
    fields += `, "${variable.name}", ${variable.name}`;
  }
  for (const { name, lazy } of outerBindings(fn)) {
    if (kinds.length === MAX_SITE_BINDINGS) break;
    if (seen.has(name)) continue;
    kinds += 'o';
    fields += lazy ? `, "*${name}", () => ${name}` : `, "${name}", ${name}`;
  }
  return { kinds, fields };
}

/**
 * A file's probe sites' name lists, each listed once however many sites pass it, as indices into
 * one list of the file's names: a site's array holds only the values (PreparedOutput.siteNames).
 */
export class SiteNameTable {
  readonly names: string[] = [];
  readonly lists: number[][] = [];
  private readonly listIndex = new Map<string, number>();
  private readonly nameIndex = new Map<string, number>();

  add(names: readonly string[]): number {
    // A space cannot be part of a name.
    const key = names.join(' ');
    let at = this.listIndex.get(key);
    if (at === undefined) {
      at = this.lists.length;
      this.lists.push(names.map((name) => this.nameAt(name)));
      this.listIndex.set(key, at);
    }
    return at;
  }

  private nameAt(name: string): number {
    let at = this.nameIndex.get(name);
    if (at === undefined) {
      at = this.names.length;
      this.names.push(name);
      this.nameIndex.set(name, at);
    }
    return at;
  }
}

function kindOf(variable: Variable, fn: SiteFunction): 'a' | 'l' {
  return variable.scope === fn.scope && variable.def?.type === 'Parameter' && fn.node !== undefined ? 'a' : 'l';
}

const outerOfFunction = new WeakMap<SiteFunction, { name: string; lazy: boolean }[]>();

/**
 * The outer variables a function references, once each, in the order of their first reference:
 * the same for all its scopes, and its `through` list can hold thousands of references.
 */
function outerBindings(fn: SiteFunction): { name: string; lazy: boolean }[] {
  let out = outerOfFunction.get(fn);
  if (out !== undefined) return out;
  out = [];
  const node = fn.node;
  if (node !== undefined) {
    for (const reference of fn.scope.through?.values() ?? []) {
      const variable = resolveOuter(fn.scope, reference);
      if (variable === null || variable.def === undefined || variable.name.startsWith('$lp')) continue;
      out.push({ name: variable.name, lazy: !initialisedBefore(variable, node, fn.outer) });
    }
  }
  outerOfFunction.set(fn, out);
  return out;
}

/** Whether a binding of the site's own function, first defined by `def` in a scope of `scopeType`, is initialised at `offset`. */
export function initialisedAt(def: DefinitionLike, scopeType: string, offset: number): boolean {
  return definedFrom(def, scopeType) <= offset;
}

/** A definition as this file reads it: the worker passes ESLint's (worker/prepared/timed-exits.ts). */
export interface DefinitionLike {
  type: string;
  kind: string | undefined;
  end: number;
}

function initialisedFrom(variable: Variable, scope: Scope): number {
  return definedFrom(variable.def!, scope.type);
}

/** The offset from which a binding of the site's own function is initialised: `-Infinity` always, `Infinity` never. */
function definedFrom(def: DefinitionLike, scopeType: string): number {
  switch (def.type) {
    case 'Parameter':
    case 'FunctionName':
    case 'CatchClause':
      return Number.NEGATIVE_INFINITY;
    case 'ImportBinding':
      // An import cycle can leave an imported binding uninitialised when the site runs.
      return Number.POSITIVE_INFINITY;
    case 'ClassName':
      return scopeType === 'class' ? Number.POSITIVE_INFINITY : def.end;
    case 'Variable':
      if (def.kind === 'var') return Number.NEGATIVE_INFINITY;
      // A `case` can be entered past another case's declaration.
      if (scopeType === 'switch') return Number.POSITIVE_INFINITY;
      return def.end;
    default:
      return Number.POSITIVE_INFINITY;
  }
}

/** An outer binding the function references: initialised whenever the function can run. */
function initialisedBefore(variable: Variable, fn: AstNode, outer: readonly AstNode[]): boolean {
  const def = variable.def!;
  switch (def.type) {
    case 'Parameter':
    case 'FunctionName':
    case 'CatchClause':
      return true;
    case 'ImportBinding':
      return false;
    case 'ClassName':
    case 'Variable': {
      if (def.type === 'Variable' && def.kind === 'var') return true;
      if (variable.scope.type === 'class' || variable.scope.type === 'switch') return false;
      const declaredEnd = def.end;
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
