/**
 * The names a generated script gives the user's variables at a position: a bundler renames a
 * local that collides with another (esbuild's `rounded` → `rounded2`), and a line the script holds
 * in several places may see a different one at each. The source map records the original name of
 * each renamed declaration, so a breakpoint condition can read the variable the user means.
 */
import { globalNamesAt } from './global-names.js';
import { innermostScope } from './scope-plan.js';
import { positionOf, type AnalysedSource } from './source-analysis.js';
import type { ScriptSourceMap } from './source-maps.js';
import { mappedNameOf } from './user-names.js';

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

/**
 * The roots a script with a source map has no variable of at `offset`, under the user's name or
 * the one it renamed it to, though the source the line comes from names them: read from the
 * global object, they are missing unless a global has the name. In built code that is a variable
 * of the source the minifier removed (`const data = await f(); return data` runs as
 * `return await f()`), which the hit's error says. A name the source never writes (a typo) is
 * left out, and so is every root where the map embeds no source (`sourcesContent`). Worked out
 * once, as the action installs.
 */
export function unboundNamesAt(
  analysed: AnalysedSource | undefined,
  offset: number,
  roots: readonly string[],
  map: ScriptSourceMap | undefined,
): string[] {
  if (analysed === undefined || map === undefined) return [];
  const renamed = generatedNamesAt(analysed, offset, roots, map);
  const global =
    globalNamesAt(
      analysed,
      offset,
      roots.map((root) => renamed[root] ?? root),
    ) ?? [];
  const unbound = roots.filter((root) => global.includes(renamed[root] ?? root));
  if (unbound.length === 0) return unbound;
  const { line, column } = positionOf(analysed, offset);
  const original = map.originalFor(line, column);
  const source = original === undefined ? undefined : map.sourceContent(original.file);
  return source === undefined
    ? []
    : unbound.filter((root) => new RegExp(`(?<![\\w$])${root.replaceAll('$', '\\$')}(?![\\w$])`).test(source));
}
