/** Where a script's map comment (`//# sourceMappingURL=`) leads: written into the comment, or a file. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The JSON of a map written into the comment (`data:application/json;base64,…`, or URL-encoded). */
export function inlineMapText(url: string): string {
  const comma = url.indexOf(',');
  const payload = url.slice(comma + 1);
  return url.slice(0, comma).endsWith(';base64') ? Buffer.from(payload, 'base64').toString('utf8') : decodeURIComponent(payload);
}

/**
 * The file a comment's map URL names on disk: a `file://` URL, or one relative to the script's.
 * It is a URL, resolved as Node's `--enable-source-maps` resolves it: `liveprobe prepare` writes
 * `_%40astrojs-ssr-adapter_….mjs.lp.map` for Astro's `_@astrojs-ssr-adapter_….mjs`, and a
 * space is `%20`. A URL of another scheme has no file, and one no file URL spells is a name, not
 * a URL: either is read as a path.
 */
export function mapFilePath(scriptPath: string, url: string): string {
  try {
    const resolved = new URL(url, pathToFileURL(scriptPath));
    if (resolved.protocol === 'file:') return fileURLToPath(resolved);
  } catch {
    // A name no file URL spells (a bare `%`, as in `100%.js.map`, or an escaped `/`): a bundler that
    // wrote it meant the name as written, which is where the file is.
  }
  return resolve(dirname(scriptPath), url);
}
