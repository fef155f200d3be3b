/**
 * The names users gave what a generated script renamed (a bundler's `total2`, a minifier's `a`
 * or `p`): the source map records each renamed identifier's original name at its position.
 */
import { positionOf, type AnalysedSource } from './source-analysis.js';
import type { ScriptSourceMap } from './source-maps.js';
import type { Variable } from './scope-model.js';

/** The map's name for the identifier starting at `start`, if the script renamed it. */
export function mappedNameAt(analysed: AnalysedSource, map: ScriptSourceMap, start: number): string | undefined {
  const { line, column } = positionOf(analysed, start);
  return map.originalNameFor(line, column);
}

/** The map's name at a variable's declaration: set where the script renamed it. */
export function mappedNameOf(analysed: AnalysedSource, map: ScriptSourceMap): (variable: Variable) => string | undefined {
  return (variable) => (Number.isFinite(variable.defStart) ? mappedNameAt(analysed, map, variable.defStart) : undefined);
}

/** The name the user gave a variable of the script: the map's name at its declaration, else its own. */
export function userNameOf(analysed: AnalysedSource, map: ScriptSourceMap): (variable: Variable) => string {
  const mapped = mappedNameOf(analysed, map);
  return (variable) => mapped(variable) ?? variable.name;
}
