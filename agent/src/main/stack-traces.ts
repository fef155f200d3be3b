/**
 * Stack traces through prepared files read as they would without the agent. For a file prepared
 * as it loads, the file on disk is the original: positions inside a twin map back to the
 * statement it copies, positions in a guard to the statement it guards, so frames name the code
 * as written. A file `liveprobe prepare` wrote is on disk as prepared, and its map (the composed
 * one) is of the prepared text: its frames keep their positions, but for a twin's, which move to
 * the same place in the function's original body, where the same call runs without the agent.
 * Either way, whatever formats the stack (Node's plain formatter, `--enable-source-maps`,
 * source-map-support, the app's own) reads the file on disk and its map at positions of that
 * text, as it does without the agent.
 *
 * The twin runs in the original's own frame, so frames are neither added nor hidden (but for the
 * CommonJS loader's wrapper, under a module's top level), and a moved frame's text is V8's own
 * with only the position changed. Installed as `Error.prepareStackTrace`, composed with the
 * app's formatter, whether it was set before the agent or after (source-map-support, depd's
 * save-set-restore); with source maps enabled and no formatter, positions continue through the
 * file's own map (`--enable-source-maps` would otherwise be bypassed by any prepareStackTrace).
 * The agent's own captures (snapshot-capture.ts) take every prepared frame in the code as
 * written, which the worker reads through that code's map.
 */
import { findSourceMap, type SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { LOADER_FILE } from './commonjs-loader.js';
import { writtenCallSites } from './written-call-sites.js';

export interface PositionMaps {
  mapOf(path: string): Readonly<Record<number, number[]>> | undefined;
  /** Whether the script is a file `liveprobe prepare` wrote, on disk as prepared. */
  preparedOnDisk?(path: string): boolean;
}

type Formatter = (error: Error, frames: NodeJS.CallSite[]) => unknown;

// Captured before the app runs: it may replace these globals, and a formatter that throws
// would change every error's stack.
const { apply, get } = Reflect;
const ProxyConstructor = Proxy;
const MapConstructor = Map;
const errorToString = Error.prototype.toString;

export function installStackTraces(maps: PositionMaps): void {
  // Error.prepareStackTrace becomes an accessor: what the app assigns is kept as its formatter,
  // and what anyone reads is that formatter behind the remapping. Reading, then assigning the
  // value back (the usual save-and-restore) must restore the app's formatter, not wrap it twice.
  const wrappers = new Map<Formatter | undefined, Formatter>();
  const inner = new WeakMap<Formatter, Formatter | undefined>();
  const wrap = (formatter: Formatter | undefined): Formatter => {
    let wrapper = wrappers.get(formatter);
    if (wrapper === undefined) {
      wrapper =
        formatter === writtenCallSites
          ? (_error, frames) => remap(maps, frames, true)
          : (error, frames) => {
              const mapped = remap(maps, frames, false);
              return formatter === undefined ? format(error, mapped) : formatter(error, mapped);
            };
      wrappers.set(formatter, wrapper);
      inner.set(wrapper, formatter);
    }
    return wrapper;
  };
  let current = Error.prepareStackTrace as Formatter | undefined;
  Object.defineProperty(Error, 'prepareStackTrace', {
    configurable: true,
    enumerable: false,
    get: () => wrap(current),
    set: (value: unknown) => {
      const formatter = typeof value === 'function' ? (value as Formatter) : undefined;
      current = formatter !== undefined && inner.has(formatter) ? inner.get(formatter) : formatter;
    },
  });
}

const sourceMapsOn = (): boolean => (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled === true;

function remap(maps: PositionMaps, frames: NodeJS.CallSite[], asWritten: boolean): NodeJS.CallSite[] {
  const out: NodeJS.CallSite[] = [];
  for (const frame of frames) {
    const file = frame.getFileName();
    // The loader's wrapper around Module.prototype._compile, under a module's top-level frames.
    if (file === LOADER_FILE) continue;
    const map = file === undefined || file === null ? undefined : maps.mapOf(file);
    const line = frame.getLineNumber();
    const column = frame.getColumnNumber();
    const segments = map === undefined || line === null ? undefined : map[line];
    if (segments === undefined || column === null) {
      out.push(frame);
      continue;
    }
    if (!asWritten && maps.preparedOnDisk?.(file!) === true) {
      const at = knownPlaceOnDisk(map!, segments, line!, column);
      out.push(at === undefined || (at.line === line && at.column === column) ? frame : mappedFrame(frame, at));
      continue;
    }
    out.push(mappedFrame(frame, writtenPosition(segments, column), map));
  }
  return out;
}

type Position = { line: number; column: number };

/** A 1-based column of the prepared text, as a position in the code as written, through its line's segments. */
function writtenPosition(segments: readonly number[], column: number): Position {
  let i = 0;
  while (i + 3 < segments.length && segments[i + 3]! <= column - 1) i += 3;
  // Inserted code (a site's guard, whose hook call is a snapshot's top frame) is followed by the
  // statement it stands for, at the same position: it maps to that statement's start, not as
  // many columns past it as the call is into the guard (in minified code, into the next function).
  return { line: segments[i + 1]!, column: segments[i + 2]! + (inserted(segments, i) ? 0 : column - 1 - segments[i]!) + 1 };
}

/** Whether run `i` is inserted code: the next run is at the same written position (the statement it stands for). */
const inserted = (segments: readonly number[], i: number): boolean =>
  i + 5 < segments.length && segments[i + 4] === segments[i + 1] && segments[i + 5] === segments[i + 2];

/** By position map, the places on disk found so far, by `line:column`; null where there is none. */
const placesOnDisk = new WeakMap<object, Map<string, Position | null>>();

/**
 * placeOnDisk, found once per position: an app's stacks pass the same call sites again and again,
 * and finding one scans a prepared line, which in a minified bundle is the whole file.
 */
function knownPlaceOnDisk(
  map: Readonly<Record<number, number[]>>,
  segments: readonly number[],
  line: number,
  column: number,
): Position | undefined {
  let places = placesOnDisk.get(map);
  if (places === undefined) {
    places = new MapConstructor();
    placesOnDisk.set(map, places);
  }
  const key = `${line}:${column}`;
  let place = places.get(key);
  if (place === undefined) {
    place = placeOnDisk(map, segments, column) ?? null;
    places.set(key, place);
  }
  return place ?? undefined;
}

/**
 * Where the code at a 1-based column of a prepared line runs when the file runs without the
 * agent, in a file prepared at build time: the same place, but for a twin's copy or a guard,
 * whose place is the code as written in the function's original body. That body keeps its
 * written lines (a twin is laid out on the line where the body opens, before it), so the place
 * is on the written line: the line's last run of the same code (not a guard) that reaches it.
 */
function placeOnDisk(map: Readonly<Record<number, number[]>>, segments: readonly number[], column: number): Position | undefined {
  const written = writtenPosition(segments, column);
  const runs = map[written.line];
  // A line the transform left alone is the written line itself.
  if (runs === undefined) return written;
  const at = written.column - 1;
  for (let i = runs.length - 3; i >= 0; i -= 3) {
    if (runs[i + 1] !== written.line || runs[i + 2]! > at || inserted(runs, i)) continue;
    const place = runs[i]! + at - runs[i + 2]!;
    // A run ends where the line's next one starts.
    if (i + 3 < runs.length && place >= runs[i + 3]!) continue;
    return { line: written.line, column: place + 1 };
  }
  return undefined;
}

/** Where the frame's function starts, in the code as written (a source map names a function there). */
function enclosingPosition(frame: NodeJS.CallSite, map: Readonly<Record<number, number[]>>): Position | undefined {
  const line = frame.getEnclosingLineNumber?.();
  const column = frame.getEnclosingColumnNumber?.();
  const segments = line === undefined || line === null ? undefined : map[line];
  return segments === undefined || column === undefined || column === null ? undefined : writtenPosition(segments, column);
}

/**
 * The frame at `at`; with the file's map, its function's start in the code as written too, worked
 * out only if the formatter asks (Node's own asks to name a function through a source map).
 */
function mappedFrame(frame: NodeJS.CallSite, at: Position, map?: Readonly<Record<number, number[]>>): NodeJS.CallSite {
  let enclosing: Position | undefined | null = null;
  const enclosingOf = (): Position | undefined => {
    if (enclosing === null) enclosing = map === undefined ? undefined : enclosingPosition(frame, map);
    return enclosing;
  };
  return new ProxyConstructor(frame, {
    get(target, property) {
      switch (property) {
        case 'getLineNumber':
          return () => at.line;
        case 'getColumnNumber':
          return () => at.column;
        case 'getEnclosingLineNumber': {
          const start = enclosingOf();
          if (start !== undefined) return () => start.line;
          break;
        }
        case 'getEnclosingColumnNumber': {
          const start = enclosingOf();
          if (start !== undefined) return () => start.column;
          break;
        }
        case 'toString':
          return () => relocated(target, at.line, at.column);
      }
      const value = get(target, property) as unknown;
      return typeof value === 'function' ? (...args: unknown[]) => apply(value, target, args) : value;
    },
  });
}

/** V8's own text for the frame (`[as alias]`, `new K`, `Object.<anonymous>`, `async`), at the original position. */
function relocated(frame: NodeJS.CallSite, line: number, column: number): string {
  const text = frame.toString();
  const position = `:${frame.getLineNumber()}:${frame.getColumnNumber()}`;
  const at = text.lastIndexOf(position);
  return at === -1 ? text : `${text.slice(0, at)}:${line}:${column}${text.slice(at + position.length)}`;
}

function format(error: Error, frames: NodeJS.CallSite[]): string {
  let header: string;
  try {
    header = apply(errorToString, error, []) as string;
  } catch {
    header = 'Error';
  }
  const useMaps = sourceMapsOn();
  let text = header;
  for (let i = 0; i < frames.length; i++) text += `\n    at ${useMaps ? throughSourceMap(frames, i) : String(frames[i])}`;
  return text;
}

/** The map Node holds for the frame's script: of the text on disk, whose positions the frame now has. */
function mapOfFrame(frame: NodeJS.CallSite): SourceMap | undefined {
  const file = frame.getFileName();
  return file === undefined || file === null ? undefined : findSourceMap(file);
}

type Entry = { originalSource?: string; originalLine?: number; originalColumn?: number; name?: string };

const entryAt = (map: SourceMap, line: number | null, column: number | null): Entry | undefined =>
  line === null || column === null ? undefined : (map.findEntry(line - 1, column - 1) as Entry);

/**
 * The frame as `--enable-source-maps` writes it: the original source and position, and the
 * function's name from the map when the generated code renamed it (the name at the function's
 * start, else at the call in the next frame of the same file).
 */
function throughSourceMap(frames: NodeJS.CallSite[], index: number): string {
  const frame = frames[index]!;
  const map = mapOfFrame(frame);
  const entry = map === undefined ? undefined : entryAt(map, frame.getLineNumber(), frame.getColumnNumber());
  if (entry?.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return String(frame);
  const own = `${typeOf(frame)}${frame.getFunctionName() ?? frame.getMethodName() ?? '<anonymous>'}`;
  const named = originalName(frames, index, map!);
  const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : entry.originalSource;
  return `${named !== undefined && named !== own ? named : own} (${source}:${entry.originalLine + 1}:${entry.originalColumn + 1})`;
}

function typeOf(frame: NodeJS.CallSite): string {
  const type = frame.getTypeName();
  return type === null || type === 'global' ? '' : `${type}.`;
}

function originalName(frames: NodeJS.CallSite[], index: number, map: SourceMap): string | undefined {
  const frame = frames[index]!;
  const atStart = entryAt(map, frame.getEnclosingLineNumber?.() ?? null, frame.getEnclosingColumnNumber?.() ?? null)?.name;
  if (atStart) return atStart;
  const caller = frames[index + 1];
  if (caller === undefined || caller.getFileName() !== frame.getFileName()) return undefined;
  return entryAt(map, caller.getLineNumber(), caller.getColumnNumber())?.name || undefined;
}
