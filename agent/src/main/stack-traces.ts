/**
 * Stack traces through prepared files point at the original lines: positions inside a twin
 * map back to the statement it copies, positions in a guard to the statement it guards. The
 * twin runs in the original's own frame, so frames are neither added nor hidden (but for the
 * CommonJS loader's wrapper, under a module's top level), and a mapped frame's text is V8's own
 * with only the position changed. Installed as `Error.prepareStackTrace`, composed with the
 * app's formatter, whether it was set before the agent or after (source-map-support, depd's
 * save-set-restore); with source maps enabled, positions continue through the file's own map
 * (`--enable-source-maps` would otherwise be bypassed by any prepareStackTrace).
 */
import { findSourceMap } from 'node:module';
import { LOADER_FILE } from './commonjs-loader.js';

export interface PositionMaps {
  mapOf(path: string): Readonly<Record<number, number[]>> | undefined;
}

type Formatter = (error: Error, frames: NodeJS.CallSite[]) => unknown;

// Captured before the app runs: it may replace these globals, and a formatter that throws
// would change every error's stack.
const { apply, get } = Reflect;
const ProxyConstructor = Proxy;
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
      wrapper = (error, frames) => {
        const mapped = remap(maps, frames);
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

function remap(maps: PositionMaps, frames: NodeJS.CallSite[]): NodeJS.CallSite[] {
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
    let i = 0;
    while (i + 3 < segments.length && segments[i + 3]! <= column - 1) i += 3;
    // Inserted code (a site's guard, whose hook call is a snapshot's top frame) is followed by the
    // statement it stands for, at the same position: it maps to that statement's start, not as
    // many columns past it as the call is into the guard (in minified code, into the next function).
    const inserted = i + 5 < segments.length && segments[i + 4] === segments[i + 1] && segments[i + 5] === segments[i + 2];
    out.push(mappedFrame(frame, segments[i + 1]!, segments[i + 2]! + (inserted ? 0 : column - 1 - segments[i]!) + 1));
  }
  return out;
}

function mappedFrame(frame: NodeJS.CallSite, line: number, column: number): NodeJS.CallSite {
  return new ProxyConstructor(frame, {
    get(target, property) {
      switch (property) {
        case 'getLineNumber':
          return () => line;
        case 'getColumnNumber':
          return () => column;
        case 'toString':
          return () => relocated(target, line, column);
        default: {
          const value = get(target, property) as unknown;
          return typeof value === 'function' ? (...args: unknown[]) => apply(value, target, args) : value;
        }
      }
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
  const useMaps = (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled === true;
  let text = header;
  for (const frame of frames) text += `\n    at ${useMaps ? throughSourceMap(frame) : frame.toString()}`;
  return text;
}

function throughSourceMap(frame: NodeJS.CallSite): string {
  const file = frame.getFileName();
  const line = frame.getLineNumber();
  const column = frame.getColumnNumber();
  if (file === undefined || file === null || line === null || column === null) return String(frame);
  const entry = findSourceMap(file)?.findEntry(line - 1, column - 1) as
    | { originalSource?: string; originalLine?: number; originalColumn?: number }
    | undefined;
  if (entry?.originalSource === undefined || entry.originalLine === undefined) return String(frame);
  const name = frame.getFunctionName();
  const location = `${entry.originalSource}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
  return name === null ? location : `${name} (${location})`;
}
