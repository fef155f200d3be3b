/** A script's `//# sourceMappingURL=` comment, read as a runtime reads it. */

/** The last comment's URL (the one a runtime follows), or undefined when the text names no map. */
export function lastSourceMappingURL(text: string): string | undefined {
  // Most files have no map comment: one native search rules it out before the pattern visits every line.
  if (!text.includes('sourceMappingURL=')) return undefined;
  let url: string | undefined;
  for (const match of text.matchAll(/^[ \t]*\/\/[#@] sourceMappingURL=(\S+)[ \t]*$/gm)) url = match[1];
  return url;
}

/** The JSON of an inline map (`data:application/json;base64,…`, or URL-encoded). */
export function inlineMapText(url: string): string {
  const comma = url.indexOf(',');
  const payload = url.slice(comma + 1);
  return url.slice(0, comma).endsWith(';base64') ? Buffer.from(payload, 'base64').toString('utf8') : decodeURIComponent(payload);
}
