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
 * space is `%20`. A URL of another scheme has no file: it is read as a path, which is not there.
 */
export function mapFilePath(scriptPath: string, url: string): string {
  let resolved: URL;
  try {
    resolved = new URL(url, pathToFileURL(scriptPath));
  } catch {
    return resolve(dirname(scriptPath), url);
  }
  return resolved.protocol === 'file:' ? fileURLToPath(resolved) : resolve(dirname(scriptPath), url);
}
