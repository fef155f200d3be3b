/**
 * Builds prepared text from the original plus insertions, recording where each generated
 * column came from. Inserted text never contains a line break, so every original line keeps
 * its number; a flattened copy (a twin body) turns line breaks and comments into spaces of
 * the same length, so it stays on one line and maps back column for column.
 */
export interface Insert {
  at: number;
  /** The text, or its pieces in order (a twin body: copied once, into the file's output, not joined first). */
  text: string | readonly string[];
  /** How many characters `text`'s pieces hold. */
  size?: number;
  /** Pairs `[relativeColumn, originalOffset]` inside `text` (a twin body). Without them, the text stands for the code at `at`. */
  segments?: number[];
}

export interface Built {
  /** The text's pieces in order (`out`, when given). */
  parts: string[];
  /** How many characters they hold. */
  length: number;
  /** Pairs `[relativeColumn, originalOffset]` for the whole output, for single-line (flattened) output (`segments`, when given); empty otherwise. */
  segments: number[];
  /** Generated line → flat triples `[column, originalLine, originalColumn]`, changed lines only. */
  lines: Record<number, number[]>;
}

const FLATTENED = /[\n\r\u2028\u2029]/g;

/**
 * Copies `source[from, to)` with `inserts` (sorted stably by offset) spliced in.
 * `blank` ranges (comments) are replaced by spaces when `flatten` is set. The pieces are
 * appended to `out`, and the flattened output's segment pairs to `segments`, their columns
 * `shift` further right (what `out` held before).
 */
export function build(
  source: string,
  from: number,
  to: number,
  inserts: readonly Insert[],
  flatten: boolean,
  blank: readonly [number, number][],
  lines: LineFinder,
  out: string[] = [],
  segments: number[] = [],
  shift = 0,
): Built {
  const parts = out;
  // Flattened once for the whole range: scanning every chunk for comments and line breaks made a twin's cost grow with its sites times its comments.
  const flat = flatten ? flattened(source, from, to, blank) : undefined;
  const changed: Record<number, number[]> = {};
  const lineStarts = lines.starts;
  let line = lines.lineOf(from);
  let column = from - lineStarts[line - 1]!;
  // A generated line's triples, created only when the line gets a mark: most lines are copied whole
  // and are not in the map.
  let current: number[] | undefined = [];
  let currentLine = line;
  let dirtyLine = -1;
  const triples = (): number[] => {
    if (current === undefined) {
      current = [0, line, 0];
      currentLine = line;
    }
    return current;
  };
  let emitted = 0;
  const mark = (origin: number): void => {
    if (flatten) segments.push(shift + emitted, origin);
    const l = lines.lineOf(origin);
    triples().push(column, l, origin - lineStarts[l - 1]!);
  };
  const copy = (a: number, b: number): void => {
    if (a >= b) return;
    if (flat !== undefined) {
      const text = flat.slice(a - from, b - from);
      mark(a);
      // Each original line inside the chunk gets its own segment, so lookups land on the right line.
      for (let l = lines.lineOf(a) + 1; l <= lineStarts.length && lineStarts[l - 1]! < b; l++) {
        const at = lineStarts[l - 1]!;
        segments.push(shift + emitted + (at - a), at);
        current!.push(column + (at - a), l, 0);
      }
      parts.push(text);
      emitted += text.length;
      column += text.length;
      return;
    }
    // Unflattened, a generated line is the original line: the copy ends on the line of `b`.
    mark(a);
    parts.push(source.slice(a, b));
    emitted += b - a;
    const end = lines.lineOf(b);
    if (end === line) column += b - a;
    else {
      line = end;
      column = b - lineStarts[end - 1]!;
      current = undefined;
    }
  };
  let pos = from;
  for (const insert of inserts) {
    copy(pos, insert.at);
    pos = Math.max(pos, insert.at);
    const start = column;
    const startEmitted = emitted;
    // A site's guard maps to the statement it precedes: a stack taken at the site starts on that line.
    if (insert.segments === undefined) mark(insert.at);
    else {
      const out = triples();
      for (let i = 0; i < insert.segments.length; i += 2) {
        const origin = insert.segments[i + 1]!;
        if (flatten) segments.push(shift + startEmitted + insert.segments[i]!, origin);
        const l = lines.lineOf(origin);
        out.push(start + insert.segments[i]!, l, origin - lineStarts[l - 1]!);
      }
    }
    if (dirtyLine !== currentLine) {
      dirtyLine = currentLine;
      changed[currentLine] = current!;
    }
    let size: number;
    if (typeof insert.text === 'string') {
      parts.push(insert.text);
      size = insert.text.length;
    } else {
      const pieces = insert.text;
      for (let i = 0; i < pieces.length; i++) parts.push(pieces[i]!);
      size = insert.size!;
    }
    emitted += size;
    column += size;
  }
  copy(pos, to);
  return { parts, length: emitted, segments, lines: changed };
}

/** `source[from, to)` on one line: the `blank` ranges (sorted, apart) and line breaks become spaces, so every column stays where it was. */
function flattened(source: string, from: number, to: number, blank: readonly [number, number][]): string {
  let out = '';
  let pos = from;
  for (const [start, end] of blank) {
    const s = Math.max(start, pos);
    const e = Math.min(end, to);
    if (e <= s) continue;
    out += source.slice(pos, s).replace(FLATTENED, ' ') + ' '.repeat(e - s);
    pos = e;
  }
  return out + source.slice(pos, to).replace(FLATTENED, ' ');
}

/** 1-based line of an offset. */
function lineOf(lineStarts: readonly number[], offset: number): number {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (lineStarts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}

/**
 * 1-based lines of offsets asked in nearly ascending order, as a walk of the file asks them (a
 * site, the next statement's site, the copy between them): the next offset is most often on the
 * line found last or a few lines below it, found without a binary search over every line.
 */
export class LineFinder {
  private last = 1;

  constructor(readonly starts: readonly number[]) {}

  lineOf(offset: number): number {
    const starts = this.starts;
    let line = this.last;
    if (starts[line - 1]! <= offset) {
      for (let step = 0; step < NEAR_LINES; step++, line++) {
        if (line === starts.length || starts[line]! > offset) {
          this.last = line;
          return line;
        }
      }
    }
    line = lineOf(starts, offset);
    this.last = line;
    return line;
  }
}

/** How many lines below the last one LineFinder steps before it searches. */
const NEAR_LINES = 8;

/** Sorts inserts by offset, stably; most lists come out of the walk in order already, and are left as they are. */
export function sortByOffset(inserts: Insert[]): void {
  for (let i = 1; i < inserts.length; i++) {
    if (inserts[i]!.at < inserts[i - 1]!.at) {
      inserts.sort(byOffset);
      return;
    }
  }
}

const byOffset = (a: Insert, b: Insert): number => a.at - b.at;

/** How many lines `text` has, counting the line breaks V8 counts (lineStartsOf's length, without its array). */
export function lineCountOf(text: string): number {
  if (text.indexOf('\r') === -1 && text.indexOf('\u2028') === -1 && text.indexOf('\u2029') === -1) {
    let count = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
    return count;
  }
  return lineStartsOf(text).length;
}

/** Offsets where lines start, counting the line breaks V8 counts (LF, CR, CRLF, LS, PS). */
export function lineStartsOf(source: string): number[] {
  const starts = [0];
  // Most files break lines with LF alone: found by the engine's native search, not a loop over every character.
  if (source.indexOf('\r') === -1 && source.indexOf('\u2028') === -1 && source.indexOf('\u2029') === -1) {
    for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
    return starts;
  }
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 10 || c === 0x2028 || c === 0x2029) starts.push(i + 1);
    else if (c === 13) {
      if (source.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}
