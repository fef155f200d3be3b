/**
 * Which names of an expression are bound by the probed file and which fall through to the
 * global object. A breakpoint condition reads a bound name directly; a global one it asks the
 * hook for, which reads the global object's property without running a getter (the direct
 * read would run one, since V8 looks a global name up as a property).
 */
import { innermostScope } from './scope-plan.js';
import type { AnalysedSource } from './source-analysis.js';

/** What Node's CommonJS wrapper binds around a file. */
const COMMONJS_WRAPPER = ['exports', 'require', 'module', '__filename', '__dirname'];

/**
 * The names of `roots` that resolve to the global object at `offset`; undefined when the file
 * could not be analysed (the hook then guards each read against global getters instead).
 */
export function globalNamesAt(analysed: AnalysedSource | undefined, offset: number, roots: readonly string[]): string[] | undefined {
  if (analysed === undefined) return undefined;
  const innermost = innermostScope(analysed, offset);
  const commonJs = analysed.program.sourceType === 'script';
  return roots.filter((name) => {
    if (commonJs && COMMONJS_WRAPPER.includes(name)) return false;
    for (let scope = innermost ?? null; scope !== null; scope = scope.upper) {
      const variable = scope.set.get(name);
      // `arguments` is bound by every non-arrow function without a definition eslint-scope records.
      if (variable !== undefined && (variable.defs.length > 0 || name === 'arguments')) return false;
    }
    return true;
  });
}
