/**
 * A loaded script's text read from its file, off the app's thread, when the file holds exactly
 * what V8 runs. `Debugger.getScriptSource` is served on the app's main thread, which copies the
 * whole text into the inspector's JSON in one turn (~110 instructions a byte: 27 M for acorn.js,
 * 247 KB, 61 M for lodash.js, 546 KB; docs/BENCHMARKS.md, install stall), and the worker reads
 * it again at each install after a quiet spell, since it keeps no copy (inspector-session.ts). V8 reports each script's SHA-256 with it (`hash` in
 * `Debugger.scriptParsed`, over the text as UTF-8 on Node 20, 22 and 24): a file whose text has
 * that hash is that script; any other (changed since it loaded, transformed by a loader or the
 * agent's own preparing, not a file at all) is read from V8 as before.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';

/** The text of `path` if its SHA-256 is `hash` (V8's, lowercase hex), else undefined. */
export async function textWithHash(path: string, hash: string | undefined): Promise<string | undefined> {
  if (hash === undefined || !isAbsolute(path)) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  return createHash('sha256').update(text, 'utf8').digest('hex') === hash ? text : undefined;
}
