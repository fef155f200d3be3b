/** A source map written into the script's own comment (`//# sourceMappingURL=data:…`). */

/** Its JSON (`data:application/json;base64,…`, or URL-encoded). */
export function inlineMapText(url: string): string {
  const comma = url.indexOf(',');
  const payload = url.slice(comma + 1);
  return url.slice(0, comma).endsWith(';base64') ? Buffer.from(payload, 'base64').toString('utf8') : decodeURIComponent(payload);
}
