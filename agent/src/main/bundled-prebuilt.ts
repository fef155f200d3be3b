/**
 * A file prepared at build time names itself by the script it runs in (`__filename`, or its
 * flags module's `import.meta.url`). A bundler that takes prepared files in gives them all the
 * bundle's name, so the agent checks that the script is a prepared file itself before binding
 * its sites (the registry leaves them unbound otherwise: unbound-flags.ts).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isPrebuilt } from '../prepare/prebuilt.js';

/** Room for a shebang line before the banner. */
const HEAD_BYTES = 512;

/**
 * Whether the script `name` (a path or a file URL) does not start as a file `liveprobe prepare`
 * wrote: a bundle holding prepared files. One read of its first bytes per script; a script
 * that cannot be read is taken at its word, as before this check.
 */
export function runsOutsideItsFile(name: string): boolean {
  const head = headOf(name);
  return head !== undefined && !isPrebuilt(head);
}

/** Whether the file at `path` starts as a file `liveprobe prepare` wrote (false when it cannot be read). */
export function startsAsPrebuilt(path: string): boolean {
  const head = headOf(path);
  return head !== undefined && isPrebuilt(head);
}

function headOf(name: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(name.startsWith('file:') ? fileURLToPath(name) : name, 'r');
    const head = Buffer.alloc(HEAD_BYTES);
    const read = readSync(fd, head, 0, HEAD_BYTES, 0);
    return head.toString('utf8', 0, read);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
