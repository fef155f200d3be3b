/**
 * The one rule for the line an action reports, on a breakpoint or on a prepared site: the log
 * record, the snapshot, the metric's attributes and the status all name it.
 */
import type { AnalysedSource } from './source-analysis.js';
import { statementStartAt } from './statement-start.js';

/**
 * An action asked at `asked` (a generated offset: the first code of the line, or of the next line
 * with code) runs at `stop`. A prepared site is the start of a statement; V8 may stop further into
 * that statement, at its first break location (`const { … } = columnsOf(row)` has only the call).
 * When the statement around `stop` starts at or after `asked`, none of it ran before the action:
 * the action reports where that statement starts, which is where a prepared site puts it. When it
 * started before (a line inside a multi-line expression, a minifier's folded one), V8 stopped
 * part-way into it: the action reports where it stopped. `offset`: the generated offset whose
 * source line is reported.
 */
export function reportedOffset(analysed: AnalysedSource, asked: number, stop: number): { offset: number; partWay: boolean } {
  const start = statementStartAt(analysed, stop);
  if (start !== undefined && start >= asked && start <= stop) return { offset: start, partWay: false };
  return { offset: stop, partWay: start !== undefined && start < asked };
}
