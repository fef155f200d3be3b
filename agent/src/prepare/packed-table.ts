/**
 * A prepared file's position table (PreparedOutput.map) packed into shared memory, so that it
 * reaches the agent's worker without a copy: posting a SharedArrayBuffer shares it, where posting
 * the table's object clones it number by number (typescript.js's: 24–40 ms of the app's thread at
 * every load). Packed once per file, where its table first is: by the thread that transformed the
 * file (prepare-file.ts: the app's thread for CommonJS, the loader hooks' for an ES module), for
 * 0.5–1% of the transform (typescript.js: 13 ms beside 2.5 s, bench/prepared-bind.bench.ts), and
 * kept packed in the prepare cache (prepare-cache.ts); by `liveprobe prepare` for a file prepared
 * at build time, whose data carries it packed as text (packed-text.ts), decoded by the registry as
 * the file binds (main/prepared-registry.ts). Neither thread keeps the table's object
 * (typescript.js's: 15–23 MiB of heap, against 6.14 MiB packed). Both threads read
 * the same memory, through the readers below: the worker when a breakpoint lands in a twinned
 * function (worker/prepared/twin-places.ts), the app's thread when a stack passes through the
 * file (main/stack-traces.ts).
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
  try {
    return packInto(table, (bytes) => new Shared(bytes));
  } catch {
    return undefined;
  }
}

/** `table` packed into the memory `memory` gives, which may throw. */
export function packInto(table: Readonly<Record<number, readonly number[]>>, memory: (bytes: number) => ArrayBufferLike): Int32Array {
  // Integer keys enumerate in ascending order: the lines come out sorted.
  const keys = keysOf(table);
  const lines = keys.length;
  let triples = 0;
  for (let k = 0; k < lines; k++) triples += table[+keys[k]!]!.length;
  const packed = new I32(memory((2 + 2 * lines + triples) * 4));
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

/** A position in a prepared or written text: 1-based line, 0-based column. */
export interface TablePosition {
  line: number;
  column: number;
}

/**
 * The written position of a prepared one; a line the transform left alone is the written line
 * itself. Inserted code (a site's guard, whose hook call is a snapshot's top frame) is followed by
 * the statement it stands for, at the same position: it maps to that statement's start, not as
 * many columns past it as the position is into the guard (in minified code, into the next function).
 */
export function writtenAt(packed: PackedTable, at: TablePosition): TablePosition {
  const run = lineRun(packed, at.line);
  if (run === undefined) return at;
  const [start, end] = run;
  let i = start;
  while (i + 3 < end && packed[i + 3]! <= at.column) i += 3;
  return { line: packed[i + 1]!, column: packed[i + 2]! + (inserted(packed, i, end) ? 0 : at.column - packed[i]!) };
}

/** Whether run `i` (of a line's runs ending at `end`) is inserted code: the next run is at the same written position. */
function inserted(packed: PackedTable, i: number, end: number): boolean {
  return i + 3 < end && packed[i + 4] === packed[i + 1] && packed[i + 5] === packed[i + 2];
}

/**
 * The prepared column of the written position `written` through run `i` of a line's runs ending
 * at `end`; -1 when that run does not reach it: another written line, a later column, or a place
 * past the run's end, which is where the line's next run starts.
 */
export function columnThroughRun(packed: PackedTable, i: number, end: number, written: TablePosition): number {
  if (packed[i + 1] !== written.line || packed[i + 2]! > written.column) return -1;
  const column = packed[i]! + (written.column - packed[i + 2]!);
  return i + 3 < end && column >= packed[i + 3]! ? -1 : column;
}

/**
 * Where the code at a prepared position runs when the file runs without the agent, in a file
 * prepared at build time: the same place, but for a twin's copy or a guard, whose place is the
 * code as written in the function's original body. That body keeps its written lines (a twin is
 * laid out on the line where the body opens, before it), so the place is on the written line: the
 * line's last run of the same code (not a guard) that reaches it.
 */
export function placeOnDisk(packed: PackedTable, at: TablePosition): TablePosition | undefined {
  return runningAt(packed, writtenAt(packed, at));
}

/**
 * The prepared position of the code at a written one, in the function's original body (not a
 * twin's copy, not a guard); undefined when no run of its line reaches it.
 */
export function runningAt(packed: PackedTable, written: TablePosition): TablePosition | undefined {
  const runs = lineRun(packed, written.line);
  if (runs === undefined) return written;
  const [start, end] = runs;
  for (let i = end - 3; i >= start; i -= 3) {
    if (inserted(packed, i, end)) continue;
    const column = columnThroughRun(packed, i, end, written);
    if (column !== -1) return { line: written.line, column };
  }
  return undefined;
}
