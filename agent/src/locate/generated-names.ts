/**
 * The names a generated script gives the user's variables at a position: a bundler renames a
 * local that collides with another (esbuild's `rounded` → `rounded2`), and a line the script holds
 * in several places may see a different one at each. The source map records the original name of
 * each renamed declaration, so a breakpoint condition can read the variable the user means.
 */
import { innermostScope } from './scope-plan.js';
import { positionOf, type AnalysedSource } from './source-analysis.js';
import type { ScriptSourceMap } from './source-maps.js';
import type { Variable } from './scope-model.js';

/** Each root the script renamed in scope at `offset`, with its generated name; roots it kept are left out. */
export function generatedNamesAt(
  analysed: AnalysedSource | undefined,
  offset: number,
  roots: readonly string[],
  map: ScriptSourceMap | undefined,
): Record<string, string> {
  const renamed: Record<string, string> = Object.create(null) as Record<string, string>;
  if (analysed === undefined || map === undefined) return renamed;
  const originalName = mappedNameOf(analysed, map);
  for (const root of roots) {
    for (let scope = innermostScope(analysed, offset) ?? null; scope !== null; scope = scope.upper) {
      const same = scope.lookup(root);
      // A variable of the root's own name is the user's unless the map says it was another name.
      if (same?.def !== undefined && (originalName(same) ?? root) === root) break;
      const other = scope.variables.find((v) => v.name !== root && v.def !== undefined && originalName(v) === root);
      if (other !== undefined) {
        renamed[root] = other.name;
        break;
      }
      if (same?.def !== undefined) break;
    }
  }
  return renamed;
}

/** The name the user gave a variable of the script: the map's name at its declaration, else its own. */
export function userNameOf(analysed: AnalysedSource, map: ScriptSourceMap): (variable: Variable) => string {
  const mapped = mappedNameOf(analysed, map);
  return (variable) => mapped(variable) ?? variable.name;
}

/** The map's name at a variable's declaration: set where the script renamed it (a bundler's `total2`, a minifier's `a`). */
function mappedNameOf(analysed: AnalysedSource, map: ScriptSourceMap): (variable: Variable) => string | undefined {
  return (variable) => {
    if (!Number.isFinite(variable.defStart)) return undefined;
    const { line, column } = positionOf(analysed, variable.defStart);
    return map.originalNameFor(line, column);
  };
}
