/**
 * How a metric action's live line reads, the same in `liveprobe tail` and the portal's console.
 * Free of run-time imports (types only): the portal serves this compiled file to the browser as
 * it is (control-plane/src/portal/import-map.ts).
 */
import type { MetricReading } from './agent.js';

/** A counter's default unit: each hit adds one. */
const HITS = '{hit}';

/** `{order}` (OpenTelemetry's annotation unit: a count of something) reads `orders` beside a count. */
function countOf(n: number, unit: string | undefined): string {
  const word = /^\{(.+)\}$/.exec(unit ?? HITS)?.[1];
  if (word === undefined) return `${n} ${unit}`;
  return `${n} ${n === 1 || word.endsWith('s') ? word : `${word}s`}`;
}

/** Seconds to the microsecond, without trailing zeros. */
const seconds = (value: number): string => `${Number(value.toFixed(6))} s`;

/**
 * What a metric action recorded, apart from a log line's message: the
 * instrument, the name, and a counter's hits as `+n` with what it counts, another metric's
 * value with its unit, then the point's attributes.
 */
export function describeReading({ type, name, value, instrument, unit, attributes }: MetricReading): string {
  const attributed =
    attributes === undefined || Object.keys(attributes).length === 0
      ? ''
      : ` (${Object.entries(attributes)
          .map(([key, v]) => `${key}=${v}`)
          .join(', ')})`;
  if (instrument === 'counter') return `counter ${name} +${countOf(value, unit)}${attributed}`;
  const shown = type === 'tictoc' || type === 'duration' ? seconds(value) : unit === undefined ? String(value) : `${value} ${unit}`;
  return `${type === 'metric' ? instrument : type} ${name} = ${shown}${attributed}`;
}
