/** Finds the loaded script a user means by `file`, matching by path suffix (docs/architecture.md §4). */
import { fileURLToPath } from 'node:url';
import leven from 'leven';
import { bundlerSource } from './bundler-urls.js';

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

/**
 * The name of a module webpack's `eval-source-map` devtool (and `eval-cheap-…-source-map`) runs
 * from an eval string, `webpack://shop/./src/orders.ts?3a1f` or, as `next dev` names its server's
 * modules, `webpack-internal:///(rsc)/./app/page.js`: the URL itself, a script without a file,
 * probed through its own inline map. Without one (devtool `eval`) nothing places a line in it.
 */
export function evalModulePath(url: string, sourceMapURL: string | undefined): string | undefined {
  if (sourceMapURL?.startsWith('data:') !== true || scriptPath(url) !== undefined) return undefined;
  return bundlerSource(url, undefined)?.kind === 'project' ? url : undefined;
}

export type ScriptMatch =
  | { kind: 'found'; path: string }
  /** `similar`: loaded files of the same name elsewhere; `close`: the app's files whose name is a typo away, else those in the folder named. */
  | { kind: 'none'; similar: string[]; close: string[] }
  | { kind: 'ambiguous'; candidates: string[] };

export function normalizeRequested(file: string): string {
  return file
    .trim()
    .replace(/\\/g, '/')
    .replace(/^file:\/\//, '')
    .replace(/^(\.\/)+/, '');
}

export function matchScript(file: string, iterable: Iterable<string>): ScriptMatch {
  // Read twice when nothing matches (closeNames): a map's keys can be iterated once only.
  const paths = [...iterable];
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
  if (similar.length > 0) return { kind: 'none', similar: similar.sort(), close: [] };
  const close = closeNames(base, paths);
  return { kind: 'none', similar: [], close: close.length > 0 ? close : inSameFolder(wanted, base, paths) };
}

const MAX_CLOSE = 3;

/**
 * The app's files loaded from the folder `wanted` names whose name shares a word with `base`,
 * nearest first, when no name is a typo away: `src/users/services.ts` finds Nest's
 * `src/users/users.service.ts`, where the names differ by more than a typo but the folder and a
 * word say what the user meant. A file sharing no word is no suggestion (`src/billing.ts` is not
 * `src/server.ts`).
 */
function inSameFolder(wanted: string, base: string, paths: readonly string[]): string[] {
  const folder = wanted.slice(0, wanted.length - base.length);
  if (folder === '' || folder === '/') return [];
  const inFolder = (path: string) => {
    const dir = path.slice(0, path.lastIndexOf('/') + 1);
    return dir === folder || (!folder.startsWith('/') && dir.endsWith(`/${folder}`));
  };
  const words = wordsOf(base);
  const sharesWord = (path: string) =>
    wordsOf(path.slice(path.lastIndexOf('/') + 1)).some((word) => words.some((w) => w.startsWith(word) || word.startsWith(w)));
  return nearest(
    base,
    paths.filter((path) => !path.includes('/node_modules/') && inFolder(path) && sharesWord(path)),
    Number.POSITIVE_INFINITY,
  );
}

/** A file name's words of four letters or more, lower-cased: `users.service.ts` → users, service. */
function wordsOf(name: string): string[] {
  return name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length >= 4);
}

/**
 * The app's loaded files whose name is a typo away from `base` (`sever.ts`, `invetory.ts`): a
 * dependency's files are left out, as they are from matching (the path must name node_modules/).
 */
function closeNames(base: string, paths: readonly string[]): string[] {
  return nearest(
    base,
    paths.filter((path) => !path.includes('/node_modules/')),
    Math.max(1, Math.floor(base.length / 4)),
  );
}

/** Up to MAX_CLOSE of `paths`, their names at most `within` edits from `base`, nearest first. */
function nearest(base: string, paths: readonly string[], within: number): string[] {
  const close: { path: string; distance: number }[] = [];
  for (const path of paths) {
    const distance = leven(base, path.slice(path.lastIndexOf('/') + 1));
    if (distance <= within) close.push({ path, distance });
  }
  return (
    close
      // Not localeCompare: the worker keeps ICU's locale data out of the app's memory (worker-bundle.test.ts).
      .sort((a, b) => a.distance - b.distance || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .slice(0, MAX_CLOSE)
      .map((c) => c.path)
  );
}
