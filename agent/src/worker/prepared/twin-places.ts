/**
 * A twinned function holds its body twice in the prepared file: the original, and the
 * instrumented copy that runs while an action is on one of its sites. A breakpoint set in one
 * body sees no call that runs the other, so a position in one has a place in the other too, and
 * the breakpoint goes at both (sites.ts keeps the places that run apart). The composed map leaves
 * the copy unmapped (so a debugger without the agent binds to the body that runs then); the
 * prepared file's own position table (PreparedOutput.map) maps the copy back, statement by
 * statement, and is read backwards here.
 */
import { offsetOf, type AnalysedSource } from '../../locate/source-analysis.js';

/** Prepared line → flat triples `[preparedColumn, writtenLine, writtenColumn]` (PreparedOutput.map). */
export type PositionTable = Readonly<Record<number, readonly number[]>>;

/** How much of the text at a place must read as at the position it copies (a guard maps to its statement but reads otherwise). */
const SAME_TEXT = 16;

/**
 * The other places in the prepared text (`analysed`) of the code at `at` (1-based line, 0-based
 * column): the same written position, reached through another of the table's runs, holding the
 * same text.
 */
export function twinPlaces(
  table: PositionTable,
  analysed: AnalysedSource,
  at: { line: number; column: number },
): { line: number; column: number }[] {
  const written = writtenAt(table, at);
  const own = offsetOf(analysed, at.line, at.column);
  const lineEnd = analysed.source.indexOf('\n', own);
  const text = analysed.source.slice(own, Math.min(own + SAME_TEXT, lineEnd === -1 ? analysed.source.length : lineEnd));
  if (text.length === 0) return [];
  const places: { line: number; column: number }[] = [];
  for (const [key, segments] of Object.entries(table)) {
    const line = Number(key);
    for (let i = 0; i < segments.length; i += 3) {
      if (segments[i + 1] !== written.line || segments[i + 2]! > written.column) continue;
      const column = segments[i]! + (written.column - segments[i + 2]!);
      // A run ends where the line's next one starts.
      if (i + 3 < segments.length && column >= segments[i + 3]!) continue;
      if (line === at.line && column === at.column) continue;
      const offset = offsetOf(analysed, line, column);
      if (analysed.source.startsWith(text, offset)) places.push({ line, column });
    }
  }
  return places;
}

/** The written position of a prepared one: a line the transform left alone is the written line itself. */
function writtenAt(table: PositionTable, at: { line: number; column: number }): { line: number; column: number } {
  const segments = table[at.line];
  if (segments === undefined) return at;
  let i = 0;
  while (i + 3 < segments.length && segments[i + 3]! <= at.column) i += 3;
  return { line: segments[i + 1]!, column: segments[i + 2]! + (at.column - segments[i]!) };
}
