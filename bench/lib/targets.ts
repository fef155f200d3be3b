/**
 * Issue 21's targets as a benchmark reports them: the target in the issue's words, what was
 * measured, the floor measured beside it in the same run, and whether it is met. A target is
 * judged on every round's value, not on a median alone: met when every round is within it, not
 * met when none is, unresolved when the rounds fall on both sides (the run cannot tell).
 */
import { renderTable } from './table.js';
import { max, median, min } from './stats.js';

export type Verdict = 'yes' | 'no' | 'unresolved';

export interface TargetRow {
  /** The target in the issue's words, e.g. "idle agent RSS ≤ +15 MiB over a bare app". */
  target: string;
  /** What this run measured, formatted, with its spread over rounds. */
  measured: string;
  /** The baseline measured side by side in the same run (bare app, the line by hand, Mosquitto…). */
  floor: string;
  met: Verdict;
}

/**
 * Met when every value is at most `limit`, not met when every value is above it. A round that
 * measured nothing (NaN: no value, or a floor too small to divide by) leaves it unresolved.
 */
export function verdictAtMost(values: readonly number[], limit: number): Verdict {
  return verdictWithin(values, Number.NEGATIVE_INFINITY, limit);
}

/** Met when every value lies in [low, high], not met when none does. */
export function verdictWithin(values: readonly number[], low: number, high: number): Verdict {
  if (values.length === 0 || !values.every(Number.isFinite)) return 'unresolved';
  const inside = values.filter((v) => v >= low && v <= high).length;
  if (inside === values.length) return 'yes';
  return inside === 0 ? 'no' : 'unresolved';
}

/** "median (min – max over n rounds)" in the given format; one value alone is shown as it is. */
export function spread(values: readonly number[], format: (value: number) => string, unit = 'rounds'): string {
  const finite = values.filter(Number.isFinite);
  const missing = values.length - finite.length;
  const unmeasured = missing === 0 ? '' : `; ${missing} of ${values.length} ${unit} not measurable`;
  if (finite.length === 0) return values.length === 0 ? 'not measured' : `not measurable in any of ${values.length} ${unit}`;
  if (finite.length === 1) return `${format(finite[0]!)}${unmeasured}`;
  const low = format(min(finite));
  const high = format(max(finite));
  return `${format(median(finite))} (${low === high ? low : `${low} – ${high}`} over ${finite.length} ${unit}${unmeasured})`;
}

/** A row for a target of the form "value ≤ limit", judged on the values of every round. */
export function atMost(
  target: string,
  values: readonly number[],
  limit: number,
  format: (value: number) => string,
  floor: string,
  unit?: string,
): TargetRow {
  return { target, measured: spread(values, format, unit), floor, met: verdictAtMost(values, limit) };
}

/**
 * A target of the form "value ≤ limit × floor", value and floor measured in the same rounds.
 * Judged on the per-round ratios when every round measured a floor above zero; otherwise (a
 * floor below what the benchmark resolves) on bounds across rounds: met when the highest value
 * is within the limit of the lowest floor, not met when the lowest value is beyond the limit of
 * the highest floor.
 */
export function ratioAtMost(
  target: string,
  values: readonly number[],
  floors: readonly number[],
  limit: number,
  format: (value: number) => string,
  floorLabel: string,
): TargetRow {
  const floor = `${floorLabel}: ${spread(floors, format)}`;
  if (floors.length === values.length && floors.every((f) => f > 0)) {
    const ratios = values.map((v, r) => v / floors[r]!);
    return { target, measured: spread(ratios, (x) => `×${x.toFixed(2)}`), floor, met: verdictAtMost(ratios, limit) };
  }
  const measured = `${spread(values, format)}; the floor is not above zero in every round, so rounds are compared by their bounds`;
  if (values.length === 0 || floors.length === 0 || ![...values, ...floors].every(Number.isFinite))
    return { target, measured, floor, met: 'unresolved' };
  const met: Verdict =
    min(floors) > 0 && max(values) <= limit * min(floors) ? 'yes' : min(values) > limit * Math.max(0, max(floors)) ? 'no' : 'unresolved';
  return { target, measured, floor, met };
}

/** The "## Targets" table of a whole run: one row per target of every benchmark that ran. */
export function renderTargets(entries: ReadonlyArray<{ benchmark: string; rows: readonly TargetRow[] }>): string {
  const rows = entries.flatMap(({ benchmark, rows }) => rows.map((r) => [r.target, r.measured, r.floor, r.met, benchmark]));
  if (rows.length === 0) return 'No benchmark that ran reports a target.';
  return renderTable(['target', 'measured', 'floor (same run)', 'met', 'benchmark'], rows);
}
