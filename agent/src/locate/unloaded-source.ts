/**
 * Where the file a user names lies on disk when no loaded script holds it yet. A bundler that
 * loads a chunk on its first use (Nitro loads a route's chunk on the route's first request)
 * leaves an app's file unloaded for a while; a loaded file named alike is then no suggestion:
 * the action waits for the file named.
 */
import { dirname, join } from 'node:path';
import { isFile } from './is-file.js';

/**
 * `wanted` as the user names it (any prefix of the path under the project); `loadedNear`: the
 * loaded app files that would be suggested, whose folders and their parents are where the
 * project's root may be, with the app's working directory.
 */
export async function sourceOnDisk(wanted: string, loadedNear: readonly string[]): Promise<string | undefined> {
  if (wanted.startsWith('/')) return (await isFile(wanted)) ? wanted : undefined;
  const roots = new Set<string>([process.cwd()]);
  for (const path of loadedNear) {
    if (!path.startsWith('/') || path.includes('/node_modules/')) continue;
    for (let dir = dirname(path); !roots.has(dir); dir = dirname(dir)) roots.add(dir);
  }
  for (const root of roots) {
    const place = join(root, wanted);
    if (await isFile(place)) return place;
  }
  return undefined;
}
