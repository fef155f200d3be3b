/**
 * Stack traces through prepared files point at the original lines: positions inside a twin
 * map back to the statement it copies, the twin's `$lpN` name is dropped, and the entry guard's
 * own frame (inserted code) is hidden. Installed as `Error.prepareStackTrace`, composed with the
 * app's formatter, whether it was set before the agent or after (source-map-support, depd's
 * save-set-restore); with source maps enabled, positions continue through the file's own map
 * (`--enable-source-maps` would otherwise be bypassed by any prepareStackTrace).
 */
import { findSourceMap } from 'node:module';

export interface PositionMaps {
  mapOf(path: string): Readonly<Record<number, number[]>> | undefined;
}

type Formatter = (error: Error, frames: NodeJS.CallSite[]) => unknown;

const TWIN_SUFFIX = /\$lp\d+$/;

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
    const originalLine = segments[i + 1]!;
    if (originalLine === -1) continue; // the guard's `return twin.call(…)`: inserted code
    out.push(mappedFrame(frame, originalLine, segments[i + 2]! + (column - 1 - segments[i]!) + 1));
  }
  return out;
}

function mappedFrame(frame: NodeJS.CallSite, line: number, column: number): NodeJS.CallSite {
  const strip = (name: string | null): string | null => (name === null ? null : name.replace(TWIN_SUFFIX, ''));
  return new Proxy(frame, {
    get(target, property) {
      switch (property) {
        case 'getLineNumber':
          return () => line;
        case 'getColumnNumber':
          return () => column;
        case 'getFunctionName':
          return () => strip(target.getFunctionName());
        case 'getMethodName':
          return () => strip(target.getMethodName());
        case 'toString':
          return () => describe(target, strip(target.getFunctionName()), line, column);
        default: {
          const value = Reflect.get(target, property) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        }
      }
    },
  });
}

/** V8's own layout of one frame. */
function describe(frame: NodeJS.CallSite, name: string | null, line: number, column: number): string {
  const location = `${frame.getFileName() ?? '<anonymous>'}:${line}:${column}`;
  const asyncPrefix = (frame as NodeJS.CallSite & { isAsync?: () => boolean }).isAsync?.() === true ? 'async ' : '';
  if (frame.isConstructor()) return `${asyncPrefix}new ${name ?? '<anonymous>'} (${location})`;
  const type = frame.isToplevel() ? null : frame.getTypeName();
  const label = name === null ? null : type !== null && !name.startsWith(`${type}.`) ? `${type}.${name}` : name;
  return label === null ? `${asyncPrefix}${location}` : `${asyncPrefix}${label} (${location})`;
}

function format(error: Error, frames: NodeJS.CallSite[]): string {
  let header: string;
  try {
    header = Error.prototype.toString.call(error);
  } catch {
    header = 'Error';
  }
  const useMaps = (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled === true;
  return header + frames.map((frame) => `\n    at ${useMaps ? throughSourceMap(frame) : String(frame)}`).join('');
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
