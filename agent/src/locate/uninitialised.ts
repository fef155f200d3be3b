/**
 * The names a probe reads that are certainly in their temporal dead zone at its line: a `let`,
 * `const` or `class` of the probed function itself (or of the file's top level, for a probe
 * there) declared after the line. V8 reads such a binding as `undefined` in a breakpoint
 * condition, and a prepared site cannot pass it; the probe says it is not initialised yet.
 * A binding of an enclosing function is left alone: whether it is initialised depends on
 * when the inner function is called.
 */
import type { Scope } from './scope-model.js';
import { innermostScope, notYetInitialised } from './scope-plan.js';
import type { AnalysedSource } from './source-analysis.js';

export function uninitialisedAt(analysed: AnalysedSource, offset: number, names: readonly string[]): string[] {
  const innermost = innermostScope(analysed, offset);
  if (innermost === undefined) return [];
  return names.filter((name) => {
    for (let scope: Scope | null = innermost; scope !== null; scope = scope.upper) {
      const variable = scope.lookup(name);
      if (variable !== undefined) return notYetInitialised(variable, offset);
      // Past the probed function's own scope, initialisation depends on when it is called.
      if (scope.type === 'function' || scope.type === 'module' || scope.type === 'global') return false;
    }
    return false;
  });
}
