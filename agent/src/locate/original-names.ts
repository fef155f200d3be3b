/** A generated script's functions as the user wrote them, through its source map (see OriginalNames). */
import type { OriginalNames } from './function-range.js';
import { positionOf, type AnalysedSource } from './source-analysis.js';
import type { ScriptSourceMap } from './source-maps.js';

/** `file` is the user's source the action names; `analysed` is the generated script the map belongs to. */
export function originalNames(map: ScriptSourceMap, file: string, analysed: AnalysedSource): OriginalNames {
  return {
    nameAt: (offset) => {
      const { line, column } = positionOf(analysed, offset);
      return map.originalNameFor(line, column);
    },
    inFile: (offset) => {
      const { line, column } = positionOf(analysed, offset);
      return map.originalFor(line, column)?.file === file;
    },
  };
}
