/**
 * Notices changes to the agent's config file. Polls the path with fs.watchFile rather than
 * fs.watch: editors that save by writing a new file and renaming it over the old one, a
 * Kubernetes ConfigMap swapping its symlink, a file briefly absent between a delete and a
 * create, and network filesystems all leave fs.watch watching the wrong inode or nothing,
 * while a stat of the path each interval sees them all, for one stat per second.
 */
import { unwatchFile, watchFile, type Stats } from 'node:fs';

/** How often the path is checked. */
export const CONFIG_POLL_MS = 1000;
/** Quiet time after a change before the file is read, so a save in several writes is read once, whole. */
const SETTLE_MS = 100;

/** Calls `changed` once the file has changed (or appeared, or gone) and settled; returns the stop function. */
export function watchConfigFile(path: string, changed: () => void): () => void {
  let settle: NodeJS.Timeout | undefined;
  const listener = (_current: Stats, _previous: Stats): void => {
    clearTimeout(settle);
    settle = setTimeout(changed, SETTLE_MS);
    settle.unref();
  };
  // Not persistent: the watch must never keep the agent's thread (or the app) alive.
  watchFile(path, { interval: CONFIG_POLL_MS, persistent: false }, listener);
  return () => {
    clearTimeout(settle);
    unwatchFile(path, listener);
  };
}
