/**
 * The first number of each log line in a batch (bridge.ts PackedLogs): its template, its
 * action's key and its flags share one float64, as integers exact below 2^53. A line is the
 * header, its time and its values (two numbers besides its values, where it was four): fewer
 * bytes written a hit, and fewer cache lines the main thread writes that the worker's core last
 * read (docs/BENCHMARKS.md, hit13). Keys and template ids are counters that only grow; a line
 * whose key or template is past what fits is written wide: the flags with WIDE, then template
 * and key as numbers of their own.
 */

export const EMITTED = 1;
export const NOT_LIVE = 2;
export const IN_TRACE = 4;
/** The template and the key follow the header as numbers of their own. */
export const WIDE = 8;

const FLAG_SPAN = 16;
/** Keys below this fit the header; templates below FORMAT_LIMIT: FLAG_SPAN × KEY_LIMIT × FORMAT_LIMIT = 2^53. */
export const KEY_LIMIT = 2 ** 24;
export const FORMAT_LIMIT = 2 ** 25;

/**
 * A line's header but for IN_TRACE, which `writeHeader` adds per line: the template, key and
 * flags a log action's lines share, worked out once when the action is armed rather than at every
 * hit. A key or template past what fits gives a header of its flags and WIDE alone, below
 * FLAG_SPAN, which tells the two apart at a hit with one comparison: so key 0 with no template
 * (keys start at 1) is written wide too.
 */
export function headerOf(format: number, key: number, flags: number): number {
  const ids = key + format * KEY_LIMIT;
  if (key < KEY_LIMIT && format < FORMAT_LIMIT && ids > 0) return flags + ids * FLAG_SPAN;
  return flags | WIDE;
}

/** Writes a line's header (from `headerOf`) at `at`; returns where the line's time goes. */
export function writeHeader(
  numbers: Float64Array<ArrayBufferLike>,
  at: number,
  head: number,
  format: number,
  key: number,
  traced: boolean,
): number {
  // The flags are the header's lowest bits, and IN_TRACE is never among `head`'s: adding is setting it.
  numbers[at] = traced ? head + IN_TRACE : head;
  if (head >= FLAG_SPAN) return at + 1;
  numbers[at + 1] = format;
  numbers[at + 2] = key;
  return at + 3;
}

/** A header as read; one object, filled again for each line (the worker reads thousands a batch). */
export interface Header {
  /** The number these were read from (NaN before the first). */
  head: number;
  format: number;
  key: number;
  flags: number;
}

/** Reads the header at `at` into `into`; returns where the line's time is. */
export function readHeader(numbers: ArrayLike<number | null>, at: number, into: Header): number {
  const head = numbers[at]!;
  // Most lines of a batch are one action's, with the header of the line before.
  if (head === into.head) return at + 1;
  into.head = head;
  // Not `%`: past 2^31 it is a call to fmod for each line. Dividing by a power of two is exact.
  const ids = Math.floor(head / FLAG_SPAN);
  const flags = head - ids * FLAG_SPAN;
  into.flags = flags;
  if ((flags & WIDE) !== 0) {
    // A wide header's number is its flags alone: the next one's template and key may differ.
    into.head = Number.NaN;
    into.format = numbers[at + 1]!;
    into.key = numbers[at + 2]!;
    return at + 3;
  }
  const format = Math.floor(ids / KEY_LIMIT);
  into.format = format;
  into.key = ids - format * KEY_LIMIT;
  return at + 1;
}
