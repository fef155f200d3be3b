import type { MetricReading } from '@liveprobe/protocol';

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
 * How `liveprobe tail` shows what a metric action recorded, apart from a log line's message: the
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
