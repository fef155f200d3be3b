/** Finds the loaded script a user means by `file`, matching by path suffix (docs/architecture.md §4). */
import { fileURLToPath } from 'node:url';

/**
 * The filesystem path of a script URL, or undefined for Node internals and eval'd code. A
 * page's scripts (`liveprobe attach` to a browser) keep their http(s) URL, without query or hash.
 */
export function scriptPath(url: string): string | undefined {
  if (url.startsWith('http://') || url.startsWith('https://')) {
    const end = url.search(/[?#]/);
    return end === -1 ? url : url.slice(0, end);
  }
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch {
      return undefined;
    }
  }
  return url.startsWith('/') ? url : undefined;
}

export type ScriptMatch =
  | { kind: 'found'; path: string }
  | { kind: 'none'; similar: string[] }
  | { kind: 'ambiguous'; candidates: string[] };

export function normalizeRequested(file: string): string {
  return file
    .trim()
    .replace(/\\/g, '/')
    .replace(/^file:\/\//, '')
    .replace(/^(\.\/)+/, '');
}

export function matchScript(file: string, paths: Iterable<string>): ScriptMatch {
  const wanted = normalizeRequested(file);
  const absolute = wanted.startsWith('/');
  const matches: string[] = [];
  const similar: string[] = [];
  const base = wanted.slice(wanted.lastIndexOf('/') + 1);
  for (const path of paths) {
    if (absolute ? path === wanted : path === wanted || path.endsWith(`/${wanted}`)) matches.push(path);
    else if (path.endsWith(`/${base}`) && similar.length < 5) similar.push(path);
  }
  if (matches.length === 1) return { kind: 'found', path: matches[0]! };
  if (matches.length > 1) return { kind: 'ambiguous', candidates: matches.sort() };
  return { kind: 'none', similar: similar.sort() };
}
