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
import { ownStackAccessor } from './stack-formatter.js';
import { lineRun, placeOnDisk, writtenAt, type PackedTable } from '../prepare/packed-table.js';

export interface PositionTables {
  /** The position table of a prepared script, by the name V8 gives it (the same memory the worker reads). */
  tableOf(path: string): PackedTable | undefined;
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

export function installStackTraces(tables: PositionTables): void {
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
          ? (_error, frames) => remap(tables, frames, true)
          : (error, frames) => {
              const mapped = remap(tables, frames, false);
              return formatter === undefined ? format(error, mapped) : formatter(error, mapped);
            };
      wrappers.set(formatter, wrapper);
      inner.set(wrapper, formatter);
    }
    return wrapper;
  };
  let current = Error.prepareStackTrace as Formatter | undefined;
  const get = (): Formatter => wrap(current);
  Object.defineProperty(Error, 'prepareStackTrace', {
    configurable: true,
    enumerable: false,
    get,
    set: (value: unknown) => {
      const formatter = typeof value === 'function' ? (value as Formatter) : undefined;
      current = formatter !== undefined && inner.has(formatter) ? inner.get(formatter) : formatter;
    },
  });
  ownStackAccessor(get, () => current);
}

const sourceMapsOn = (): boolean => (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled === true;

function remap(tables: PositionTables, frames: NodeJS.CallSite[], asWritten: boolean): NodeJS.CallSite[] {
  const out: NodeJS.CallSite[] = [];
  for (const frame of frames) {
    const file = frame.getFileName();
    // The loader's wrapper around Module.prototype._compile, under a module's top-level frames.
    if (file === LOADER_FILE) continue;
    const table = file === undefined || file === null ? undefined : tables.tableOf(file);
    const line = frame.getLineNumber();
    const column = frame.getColumnNumber();
    // A line the transform left alone is as written.
    if (table === undefined || line === null || column === null || lineRun(table, line) === undefined) {
      out.push(frame);
      continue;
    }
    if (!asWritten && tables.preparedOnDisk?.(file!) === true) {
      const at = knownPlaceOnDisk(table, line, column);
      out.push(at === undefined || (at.line === line && at.column === column) ? frame : mappedFrame(frame, at));
      continue;
    }
    out.push(mappedFrame(frame, writtenPosition(table, line, column), table));
  }
  return out;
}

type Position = { line: number; column: number };

/** A 1-based column of a line in the table, as a position in the code as written (1-based column too). */
function writtenPosition(table: PackedTable, line: number, column: number): Position {
  const written = writtenAt(table, { line, column: column - 1 });
  return { line: written.line, column: written.column + 1 };
}

/** By table, the places on disk found so far, by `line:column`; null where there is none. */
const placesOnDisk = new WeakMap<PackedTable, Map<string, Position | null>>();

/**
 * placeOnDisk, found once per position: an app's stacks pass the same call sites again and again,
 * and finding one scans a prepared line, which in a minified bundle is the whole file.
 */
function knownPlaceOnDisk(table: PackedTable, line: number, column: number): Position | undefined {
  let places = placesOnDisk.get(table);
  if (places === undefined) {
    places = new MapConstructor();
    placesOnDisk.set(table, places);
  }
  const key = `${line}:${column}`;
  let place = places.get(key);
  if (place === undefined) {
    const found = placeOnDisk(table, { line, column: column - 1 });
    place = found === undefined ? null : { line: found.line, column: found.column + 1 };
    places.set(key, place);
  }
  return place ?? undefined;
}

/** Where the frame's function starts, in the code as written (a source map names a function there). */
function enclosingPosition(frame: NodeJS.CallSite, table: PackedTable): Position | undefined {
  const line = frame.getEnclosingLineNumber?.();
  const column = frame.getEnclosingColumnNumber?.();
  return line === undefined || line === null || column === undefined || column === null || lineRun(table, line) === undefined
    ? undefined
    : writtenPosition(table, line, column);
}

/**
 * The frame at `at`; with the file's table, its function's start in the code as written too, worked
 * out only if the formatter asks (Node's own asks to name a function through a source map).
 */
function mappedFrame(frame: NodeJS.CallSite, at: Position, table?: PackedTable): NodeJS.CallSite {
  let enclosing: Position | undefined | null = null;
  const enclosingOf = (): Position | undefined => {
    if (enclosing === null) enclosing = table === undefined ? undefined : enclosingPosition(frame, table);
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
