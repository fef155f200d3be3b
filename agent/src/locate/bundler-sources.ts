/**
 * Sources a bundler names by a URL of its own rather than a path: webpack writes
 * `webpack://shop/./src/orders.ts` (its namespace, then the path from its `context`, the project
 * folder) and names its own code `webpack://shop/webpack/runtime/…`, `webpack://shop/webpack/bootstrap`
 * or `webpack://shop/external node-commonjs "node:http"`. A user names the first as
 * `src/orders.ts`; the others are code nobody wrote and nobody names.
 */
import { dirname, join, resolve } from 'node:path';
import { isFile } from './is-file.js';

/** What a map's source is, when the map names it by a URL of a scheme that is not a place (file, http). */
export type BundlerSource =
  /** A project file: its path from the bundler's context, `./src/orders.ts` or `../shared/x.ts`. */
  | { kind: 'project'; relative: string }
  /** The bundler's own code (runtime, bootstrap, externals): not matched against a user's file. */
  | { kind: 'own' };

const OWN_SCHEME = /^([a-z][a-z\d+.-]*):\/\//i;
const PLACE_SCHEMES = new Set(['file', 'http', 'https']);

/**
 * A source as the map wrote it (with its `sourceRoot`), read as a bundler's name; undefined for
 * a path or a file or web URL, which are read as they are. The path from the context starts at the
 * first `.` or `..` segment (the namespace before it may hold a `/`: `@acme/shop`); a query
 * webpack adds to tell apart two modules of one file (`?3a1f`) is not part of the path.
 */
export function bundlerSource(source: string, sourceRoot: string | undefined): BundlerSource | undefined {
  const raw = writtenSource(source, sourceRoot);
  const scheme = OWN_SCHEME.exec(raw)?.[1]?.toLowerCase();
  if (scheme === undefined || PLACE_SCHEMES.has(scheme)) return undefined;
  const rest = raw.slice(scheme.length + 3);
  const start = rest.search(/(?:^|\/)\.\.?\//);
  if (start === -1) return { kind: 'own' };
  const relative = rest.slice(rest[start] === '/' ? start + 1 : start).replace(/[?#].*$/, '');
  return { kind: 'project', relative };
}

/** A map's source with its `sourceRoot` before it, unresolved: resolving a URL drops its `./` segments. */
export function writtenSource(source: string, sourceRoot: string | undefined): string {
  return sourceRoot === undefined || sourceRoot === '' || OWN_SCHEME.test(source) ? source : `${sourceRoot.replace(/\/?$/, '/')}${source}`;
}

/** How many of a map's project paths are looked for in each folder above the bundle: enough to pass over a few virtual ones. */
const ROOT_PROBES = 16;

/**
 * The folder a bundle's project paths are read from: the nearest folder above the script that
 * holds one of those files (the sources are deployed with it), else the nearest one with a
 * `package.json` (a project's root, where bundlers take their context from), else the script's
 * own folder (the working directory, for a module run from webpack's eval strings). A page's script (http) reads them from its site's root. Several paths are looked
 * for, not the first alone: a bundler also names modules no file holds (Next.js names
 * `./app/ui/search.tsx/__nextjs-internal-proxy.mjs` first in a page's map), and missing one
 * sent the search on to the nearest `package.json`, Next.js's `.next/package.json`.
 */
export async function bundleRoot(scriptPath: string, relatives: readonly string[]): Promise<string> {
  if (scriptPath.startsWith('http://') || scriptPath.startsWith('https://')) return new URL('/', scriptPath).href;
  const folders: string[] = [];
  // A module run from an eval string has no folder: its paths are from webpack's context, the
  // project folder, which `next dev` and webpack's CLI are started in.
  const start = scriptPath.startsWith('webpack-internal:') ? process.cwd() : dirname(scriptPath);
  for (let folder = start; ; folder = dirname(folder)) {
    folders.push(folder);
    if (dirname(folder) === folder) break;
  }
  const probes = [...new Set(relatives.filter((r) => r.startsWith('./') && !r.includes('/node_modules/')))].slice(0, ROOT_PROBES);
  for (const folder of folders) for (const probe of probes) if (await isFile(join(folder, probe))) return folder;
  for (const folder of folders) if (await isFile(join(folder, 'package.json'))) return folder;
  return folders[0]!;
}

/** A project path under the bundle's root: a file path, or a page's URL. */
export function underRoot(root: string, relative: string): string {
  return root.startsWith('http://') || root.startsWith('https://') ? new URL(relative, root).href : resolve(root, relative);
}
