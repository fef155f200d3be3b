/**
 * Where the project paths a bundler names by a URL of its own (bundler-urls.ts:
 * `webpack://shop/./src/orders.ts`) are on this machine: under the project's folder, found from
 * the bundle's.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isFile } from './is-file.js';

const NEXT_OUTPUT = /[\\/]\.next(?:[\\/]|$)/;

/** How many of a map's project paths are looked for in each folder above the bundle: enough to pass over a few virtual ones. */
const ROOT_PROBES = 16;

/**
 * The folder a bundle's project paths are read from: the nearest folder above the script that
 * holds one of those files (the sources are deployed with it), else the nearest one with a
 * `package.json` (a project's root, where bundlers take their context from), else the script's
 * own folder. A page's script (http) reads them from its site's root. Several paths are looked
 * for, not the first alone: a bundler also names modules no file holds (Next.js names
 * `./app/ui/search.tsx/__nextjs-internal-proxy.mjs` first in a page's map), and missing one
 * sent the search on to the nearest `package.json`, Next.js's `.next/package.json`.
 */
export async function bundleRoot(scriptPath: string, relatives: readonly string[]): Promise<string> {
  if (scriptPath.startsWith('http://') || scriptPath.startsWith('https://')) return new URL('/', scriptPath).href;
  const folders: string[] = [];
  // A module run from an eval string with no file known to have run it (evalModulePath) has no
  // folder: webpack's context, the project folder, is where `next dev` and webpack's CLI start.
  const start = isAbsolute(scriptPath) ? dirname(scriptPath) : process.cwd();
  for (let folder = start; ; folder = dirname(folder)) {
    folders.push(folder);
    if (dirname(folder) === folder) break;
  }
  const probes = [...new Set(relatives.filter((r) => r.startsWith('./') && !r.includes('/node_modules/')))].slice(0, ROOT_PROBES);
  // Next.js's output mirrors its routes' paths (`.next/server/pages/shelf.js` for `pages/shelf.js`):
  // a chunk there is no source, and a page's modules, run from eval strings under `next dev`, read
  // theirs from the project above it.
  for (const folder of folders)
    if (!NEXT_OUTPUT.test(folder)) for (const probe of probes) if (await isFile(join(folder, probe))) return folder;
  for (const folder of folders) if (await isFile(join(folder, 'package.json'))) return folder;
  return folders[0]!;
}

/** A project path under the bundle's root: a file path, or a page's URL. */
export function underRoot(root: string, relative: string): string {
  return root.startsWith('http://') || root.startsWith('https://') ? new URL(relative, root).href : resolve(root, relative);
}
