/** Where a script's map comment (`//# sourceMappingURL=`) leads: written into the comment, or a file. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The JSON of a map written into the comment (`data:application/json;base64,…`, or URL-encoded). */
export function inlineMapText(url: string): string {
  const comma = url.indexOf(',');
  const payload = url.slice(comma + 1);
  return url.slice(0, comma).endsWith(';base64') ? Buffer.from(payload, 'base64').toString('utf8') : decodeURIComponent(payload);
}

/** The file a comment's map URL names on disk: a `file://` URL, or a path relative to the script. */
export function mapFilePath(scriptPath: string, url: string): string {
  return url.startsWith('file://') ? fileURLToPath(url) : resolve(dirname(scriptPath), url);
}
