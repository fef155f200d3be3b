/**
 * The source map of a file prepared at build time: prepared positions map back to the input
 * through the transform's position map, then on through the input's own source map (tsc output,
 * a bundle), so Node's `--enable-source-maps`, error trackers and debuggers reach the original
 * source without the agent. An input without a map is its own original (the copy kept beside
 * the prepared file).
 */
import { decodedMappings, type TraceMap } from '@jridgewell/trace-mapping';
import { MappingsWriter } from './mappings-writer.js';
import { lineStartsOf } from './text-builder.js';

export interface ComposedMapInput {
  /** The prepared file's name, for the map's `file`. */
  file: string;
  /** How many lines of the prepared text carry the input's code (lines after them are the agent's data). */
  lines: number;
  /** The transform's position map: changed line → `[generatedColumn, inputLine, inputColumn]` triples. */
  positions: Readonly<Record<number, number[]>>;
  /** The input's text, for mapping it onto itself when it has no map of its own. */
  source: string;
  /** The input's own map, with its sources already named as the output should name them. */
  inputMap?: { map: TraceMap; sources: string[] };
  /** The source to name when the input has no map: where its original text is kept. */
  originalName: string;
}

export interface SourceMapJson {
  version: 3;
  file: string;
  sources: string[];
  sourcesContent?: (string | null)[];
  names: string[];
  mappings: string;
}

/**
 * A token's start is where an identity mapping needs a segment for a column to map to itself: a
 * token is a run of identifier characters (`[\p{ID_Continue}$]+`) or any other character that is
 * not white space (`\S`). Beyond ASCII, these decide, at the code point in question.
 */
const IDENTIFIER_PART = /[\p{ID_Continue}$]/uy;
const WHITE_SPACE = /\s/uy;
/** What each ASCII character is, looked up once per character of the input. */
const OTHER = 0;
const IDENTIFIER = 1;
const WHITE = 2;
const ASCII_KIND = Uint8Array.from({ length: 128 }, (_, c) => {
  const char = String.fromCharCode(c);
  IDENTIFIER_PART.lastIndex = 0;
  WHITE_SPACE.lastIndex = 0;
  return IDENTIFIER_PART.test(char) ? IDENTIFIER : WHITE_SPACE.test(char) ? WHITE : OTHER;
});

/**
 * Fills `into` with an input line's segments, flat (no array per segment): STRIDE numbers each,
 * `[column, source, sourceLine, sourceColumn, name]`, source < 0 for a generated-only segment and
 * name < 0 for none; returns how many. `into` is reused from line to line.
 */
type LineSegments = (line: number, into: number[]) => number;

const STRIDE = 5;

export function composedMap(input: ComposedMapInput): SourceMapJson {
  const segmentsOf = input.inputMap === undefined ? identitySegments(input.source) : mappedSegments(input.inputMap.map);
  const out = new LineWriter();
  const segments: number[] = [];
  // A line the transform left alone is one run from its first column.
  const unchanged = [0, 0, 0];
  for (let line = 1; line <= input.lines; line++) {
    if (line > 1) out.nextLine();
    const count = segmentsOf(line - 1, segments);
    unchanged[1] = line;
    composedLine(out, line, input.positions[line] ?? unchanged, segments, count);
  }
  const { inputMap } = input;
  return {
    version: 3,
    file: input.file,
    sources: inputMap?.sources ?? [input.originalName],
    ...(inputMap?.map.sourcesContent === undefined ? {} : { sourcesContent: inputMap.map.sourcesContent }),
    names: inputMap === undefined ? [] : [...inputMap.map.names],
    mappings: out.done(),
  };
}

/**
 * A generated line from its runs (`[generatedColumn, inputLine, inputColumn]` triples) and the
 * input line's own segments (the first `to` of `flat`).
 */
function composedLine(out: LineWriter, line: number, runs: readonly number[], flat: readonly number[], to: number): void {
  // Where the last run's search stopped: a run further right resumes from there, as the search
  // from the line's start would pass every segment before it again.
  let resumeAt = -1;
  let resume = 0;
  for (let r = 0; r < runs.length; r += 3) {
    const start = runs[r]!;
    const end = r + 3 < runs.length ? runs[r + 3]! : Number.POSITIVE_INFINITY;
    const at = runs[r + 2]!;
    if (runs[r + 1] !== line) {
      // A twin's copy, flattened from the lines below: it runs only while an action is on,
      // and the agent maps its frames itself. Unmapped, so a debugger's breakpoint on a source
      // line binds to the code that runs, not to the copy.
      out.generatedOnly(start);
      continue;
    }
    // The input the run covers ends where the next run on this line resumes it. A run the next
    // resumes at its own column is the agent's inserted code (a site's guard, a wrap's catch),
    // which covers none: the segment in force at its start maps it, and the segments after that
    // column belong to the copy that follows; shifted into the inserted text, they would make it
    // a place of the lines after it.
    const nextAt = r + 3 < runs.length && runs[r + 4] === line ? runs[r + 5]! : -1;
    const covered = nextAt >= at ? nextAt : Number.POSITIVE_INFINITY;
    // The segment in force at the run's first column, then those that start inside the run.
    let i = at >= resumeAt ? resume : 0;
    while (i + 1 < to && flat[(i + 1) * STRIDE]! <= at) i++;
    resumeAt = at;
    resume = i;
    const inForce = i < to && flat[i * STRIDE]! <= at;
    if (inForce) out.moved(start, flat, i);
    for (let j = inForce ? i + 1 : i; j < to; j++) {
      if (flat[j * STRIDE]! >= covered) break;
      const column = start + flat[j * STRIDE]! - at;
      if (column >= end) break;
      out.moved(column, flat, j);
    }
  }
}

/**
 * The composed mappings, one segment held back: a later segment at the same column replaces it,
 * one at an earlier column is dropped, so columns only grow on a line.
 */
class LineWriter {
  private readonly writer = new MappingsWriter();
  private pending = false;
  private column = 0;
  /** Negative: the held segment is generated-only. */
  private source = -1;
  private sourceLine = 0;
  private sourceColumn = 0;
  private name = -1;

  /** Segment `index` of `flat` moved to `column`; a generated-only one is dropped. */
  moved(column: number, flat: readonly number[], index: number): void {
    const base = index * STRIDE;
    if (flat[base + 1]! < 0) return;
    if (this.pending && this.column > column) return;
    if (this.pending && this.column < column) this.flush();
    this.hold(column, flat[base + 1]!, flat[base + 2]!, flat[base + 3]!, flat[base + 4]!);
  }

  /** An unmapped column, unless the segment held is already at it. */
  generatedOnly(column: number): void {
    if (this.pending && this.column === column) return;
    this.flush();
    this.hold(column, -1, 0, 0, -1);
  }

  nextLine(): void {
    this.flush();
    this.writer.nextLine();
  }

  done(): string {
    this.flush();
    return this.writer.toString();
  }

  private hold(column: number, source: number, sourceLine: number, sourceColumn: number, name: number): void {
    this.pending = true;
    this.column = column;
    this.source = source;
    this.sourceLine = sourceLine;
    this.sourceColumn = sourceColumn;
    this.name = name;
  }

  private flush(): void {
    if (!this.pending) return;
    this.pending = false;
    if (this.source < 0) this.writer.generatedOnly(this.column);
    else this.writer.segment(this.column, this.source, this.sourceLine, this.sourceColumn, this.name);
  }
}

/** The input's own map's segments. */
function mappedSegments(map: TraceMap): LineSegments {
  const lines = decodedMappings(map);
  return (line, into) => {
    const segments = lines[line] ?? [];
    let k = 0;
    for (const s of segments) {
      into[k++] = s[0];
      into[k++] = s.length === 1 ? -1 : s[1];
      into[k++] = s.length === 1 ? 0 : s[2];
      into[k++] = s.length === 1 ? 0 : s[3];
      into[k++] = s.length === 5 ? s[4] : -1;
    }
    return segments.length;
  };
}

/** The input mapped onto itself: a segment at each token's start, line by line (the line breaks V8 counts). */
function identitySegments(source: string): LineSegments {
  const starts = lineStartsOf(source);
  return (line, into) => {
    if (line >= starts.length) return 0;
    const lineStart = starts[line]!;
    const end = line + 1 < starts.length ? starts[line + 1]! : source.length;
    let k = 0;
    let inIdentifier = false;
    // Character by character rather than a global pattern: a match object per token cost more
    // than the rest of the map. The line break that ends the line is white space.
    for (let i = lineStart; i < end; ) {
      const c = source.charCodeAt(i);
      let width = 1;
      let identifier: boolean;
      let white: boolean;
      if (c < 128) {
        const kind = ASCII_KIND[c]!;
        identifier = kind === IDENTIFIER;
        white = kind === WHITE;
      } else {
        if (c >= 0xd800 && c <= 0xdbff && (source.codePointAt(i) ?? 0) > 0xffff) width = 2;
        IDENTIFIER_PART.lastIndex = i;
        identifier = IDENTIFIER_PART.test(source);
        WHITE_SPACE.lastIndex = i;
        white = !identifier && WHITE_SPACE.test(source);
      }
      if (!white && !(identifier && inIdentifier)) {
        const column = i - lineStart;
        into[k++] = column;
        into[k++] = 0;
        into[k++] = line;
        into[k++] = column;
        into[k++] = -1;
      }
      inIdentifier = identifier;
      i += width;
    }
    return k / STRIDE;
  };
}
