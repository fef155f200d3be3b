/**
 * A twinned function holds its body twice in the prepared file: the original, and the
 * instrumented copy that runs while an action is on one of its sites. A breakpoint set in one
 * body sees no call that runs the other, so a position in one has a place in the other too, and
 * the breakpoint goes at both (sites.ts keeps the places that run apart). The composed map leaves
 * the copy unmapped (so a debugger without the agent binds to the body that runs then); the
 * prepared file's own position table (PreparedOutput.map) maps the copy back, statement by
 * statement, and is read backwards here, packed as the file bound (prepare/packed-table.ts).
 */
import { offsetOf, type AnalysedSource } from '../../locate/source-analysis.js';
import { columnThroughRun, writtenAt, type PackedTable } from '../../prepare/packed-table.js';

/** How much of the text at a place must read as at the position it copies (a guard maps to its statement but reads otherwise). */
const SAME_TEXT = 16;

/**
 * The other places in the prepared text (`analysed`) of the code at `at` (1-based line, 0-based
 * column): the same written position, reached through another of the table's runs, holding the
 * same text.
 */
export function twinPlaces(
  table: PackedTable,
  analysed: AnalysedSource,
  at: { line: number; column: number },
): { line: number; column: number }[] {
  const written = writtenAt(table, at);
  const own = offsetOf(analysed, at.line, at.column);
  const lineEnd = analysed.source.indexOf('\n', own);
  // One more character, to see a comment that starts on the last: a twin's copy has its comments
  // as spaces (`total(items)); // …` reads `total(items));    `), so the text ends before one.
  const read = analysed.source.slice(own, Math.min(own + SAME_TEXT + 1, lineEnd === -1 ? analysed.source.length : lineEnd));
  const comment = read.search(/\/[/*]/);
  const text = read.slice(0, comment === -1 ? SAME_TEXT : Math.min(comment, SAME_TEXT));
  if (text.length === 0) return [];
  const places: { line: number; column: number }[] = [];
  const lines = table[0]!;
  for (let k = 0; k < lines; k++) {
    const line = table[1 + k]!;
    const end = table[2 + lines + k]!;
    for (let i = table[1 + lines + k]!; i < end; i += 3) {
      const column = columnThroughRun(table, i, end, written);
      if (column === -1 || (line === at.line && column === at.column)) continue;
      const offset = offsetOf(analysed, line, column);
      // Read up to the run's end: the twin's next statement has its guard (`c=String(m(s));r.end(c)` reads `m(s));if ($lpS[…`).
      const room = i + 3 < end ? table[i + 3]! - column : text.length;
      if (analysed.source.startsWith(text.slice(0, room), offset)) places.push({ line, column });
    }
  }
  return places;
}
