/**
 * A prepared file's position table (PreparedOutput.map) packed into shared memory, so that it
 * reaches the agent's worker without a copy: posting a SharedArrayBuffer shares it, where posting
 * the table's object clones it number by number (typescript.js's: 24–40 ms of the app's thread at
 * every load). Packed by the thread that has just transformed the file (prepare-file.ts: the app's
 * thread for CommonJS, the loader hooks' for an ES module), for 0.5–1% of the
 * transform (typescript.js: 13 ms beside 2.5 s, bench/prepared-bind.bench.ts); read by the
 * worker only when a breakpoint lands in a twinned function (worker/prepared/twin-places.ts).
 *
 * Layout, one Int32Array: `[lines, line…, start…, end, triples…]`: the count of lines the table
 * holds, those lines in ascending order, where each line's triples start in the array (the
 * next one's start ends them, `end` the last), then the triples themselves, `[preparedColumn,
 * writtenLine, writtenColumn]` per run as in the table.
 */

// Captured before the app runs, which may replace these globals (the app's thread packs its CommonJS files as they load).
const I32 = Int32Array;
const Shared = SharedArrayBuffer;
const keysOf = Object.keys;

export type PackedTable = Int32Array;

/**
 * `table` packed into shared memory; undefined when that memory cannot be had (a large table in a
 * process near its memory limit): the worker then finds the table another way (position-tables.ts).
 */
export function packTable(table: Readonly<Record<number, readonly number[]>>): PackedTable | undefined {
  // Integer keys enumerate in ascending order: the lines come out sorted.
  const keys = keysOf(table);
  const lines = keys.length;
  let triples = 0;
  for (let k = 0; k < lines; k++) triples += table[+keys[k]!]!.length;
  let packed: Int32Array;
  try {
    packed = new I32(new Shared((2 + 2 * lines + triples) * 4));
  } catch {
    return undefined;
  }
  packed[0] = lines;
  let at = 2 + 2 * lines;
  for (let k = 0; k < lines; k++) {
    const line = +keys[k]!;
    const segments = table[line]!;
    packed[1 + k] = line;
    packed[1 + lines + k] = at;
    // An element loop: TypedArray.prototype.set is a global the app could have replaced.
    for (let i = 0; i < segments.length; i++) packed[at + i] = segments[i]!;
    at += segments.length;
  }
  packed[1 + 2 * lines] = at;
  return packed;
}

/** The triples of `line` as [start, end) in `packed`, or undefined for a line the transform left alone. */
export function lineRun(packed: PackedTable, line: number): [start: number, end: number] | undefined {
  const lines = packed[0]!;
  let low = 0;
  let high = lines - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const at = packed[1 + middle]!;
    if (at === line) return [packed[1 + lines + middle]!, packed[2 + lines + middle]!];
    if (at < line) low = middle + 1;
    else high = middle - 1;
  }
  return undefined;
}
