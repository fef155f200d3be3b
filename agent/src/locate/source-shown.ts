/**
 * How a status names the source a user's file matched. A map written on a build machine can name
 * its sources by that machine's paths (`sourceRoot: '/app/src'`, as swc and tsc write it in a
 * container build): the user's `src/inventory.ts` matches `/app/src/inventory.ts` by its suffix,
 * but that path is not one on the running machine, where a user would look for it in vain.
 */
import { access } from 'node:fs/promises';
import { isAbsolute } from 'node:path';

/** `source` when it is a file on this machine (or not a path: a page's URL); else the file as the user named it. */
export async function shownSourcePath(source: string, named: string): Promise<string> {
  if (!isAbsolute(source)) return source;
  try {
    await access(source);
    return source;
  } catch {
    return named;
  }
}
