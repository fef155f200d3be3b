/**
 * The source map of a file prepared at build time: prepared positions map back to the input
 * through the transform's position map, then on through the input's own source map (tsc output,
 * a bundle), so Node's `--enable-source-maps`, error trackers and debuggers reach the original
 * source without the agent. An input without a map is its own original (the copy kept beside
 * the prepared file).
 */
import { decodedMappings, type TraceMap } from '@jridgewell/trace-mapping';
import { encode, type SourceMapSegment } from '@jridgewell/sourcemap-codec';
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

// A token's start: where an identity mapping needs a segment for a column to map to itself.
const TOKEN = /[\p{ID_Continue}$]+|\S/gu;

export function composedMap(input: ComposedMapInput): SourceMapJson {
  const identity = input.inputMap === undefined;
  const inputLines = identity ? identityLines(input.source) : decodedMappings(input.inputMap!.map);
  const mappings: SourceMapSegment[][] = [];
  for (let line = 1; line <= input.lines; line++) {
    const segments = inputLines[line - 1] ?? [];
    const runs = input.positions[line];
    // A line the transform left alone maps as the input's line does; identity segments are
    // already what `push` would make of them (one per column, none generated-only).
    if (runs === undefined && identity) {
      mappings.push(segments);
      continue;
    }
    mappings.push(composedLine(line, runs ?? [0, line, 0], segments));
  }
  const { inputMap } = input;
  return {
    version: 3,
    file: input.file,
    sources: inputMap?.sources ?? [input.originalName],
    ...(inputMap?.map.sourcesContent === undefined ? {} : { sourcesContent: inputMap.map.sourcesContent }),
    names: inputMap === undefined ? [] : [...inputMap.map.names],
    mappings: encode(mappings),
  };
}

/** A generated line from its runs (`[generatedColumn, inputLine, inputColumn]` triples) and the input line's own segments. */
function composedLine(line: number, runs: readonly number[], segments: readonly SourceMapSegment[]): SourceMapSegment[] {
  const out: SourceMapSegment[] = [];
  for (let r = 0; r < runs.length; r += 3) {
    const start = runs[r]!;
    const end = r + 3 < runs.length ? runs[r + 3]! : Number.POSITIVE_INFINITY;
    const from = runs[r + 2]!;
    if (runs[r + 1] !== line) {
      // A twin's copy, flattened from the lines below: it runs only while an action is on,
      // and the agent maps its frames itself. Unmapped, so a debugger's breakpoint on a source
      // line binds to the code that runs, not to the copy.
      if (out.at(-1)?.[0] !== start) out.push([start]);
      continue;
    }
    // The segment in force at the run's first column, then those that start inside the run.
    let i = 0;
    while (i + 1 < segments.length && segments[i + 1]![0] <= from) i++;
    const first = segments[i];
    if (first !== undefined && first[0] <= from) push(out, start, first);
    for (let j = first !== undefined && first[0] <= from ? i + 1 : i; j < segments.length; j++) {
      const at = start + segments[j]![0] - from;
      if (at >= end) break;
      push(out, at, segments[j]!);
    }
  }
  return out;
}

/** A segment moved to `column`; a generated-only segment (no source) is dropped. Columns only grow. */
function push(out: SourceMapSegment[], column: number, segment: SourceMapSegment): void {
  if (segment.length === 1) return;
  const last = out.at(-1);
  if (last !== undefined && last[0] > column) return;
  if (last !== undefined && last[0] === column) out.pop();
  out.push(segment.length === 4 ? [column, segment[1], segment[2], segment[3]] : [column, segment[1], segment[2], segment[3], segment[4]]);
}

/** The input mapped onto itself: a segment at each token's start, line by line (the line breaks V8 counts). */
function identityLines(source: string): SourceMapSegment[][] {
  const lines: SourceMapSegment[][] = [];
  const starts = lineStartsOf(source);
  let line = 0;
  let current: SourceMapSegment[] = [];
  lines.push(current);
  // Tokens never span a line break (`\S` excludes them), so one scan of the whole text serves every line.
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(source); m !== null; m = TOKEN.exec(source)) {
    while (line + 1 < starts.length && starts[line + 1]! <= m.index) {
      line++;
      current = [];
      lines.push(current);
    }
    const column = m.index - starts[line]!;
    current.push([column, 0, line, column]);
  }
  while (lines.length < starts.length) lines.push([]);
  return lines;
}
