/** A script's `//# sourceMappingURL=` comment, read as a runtime reads it. */

/** The last comment's URL (the one a runtime follows), or undefined when the text names no map. */
export function lastSourceMappingURL(text: string): string | undefined {
  // Most files have no map comment: one native search rules it out before the pattern visits every line.
  if (!text.includes('sourceMappingURL=')) return undefined;
  let url: string | undefined;
  for (const match of text.matchAll(/^[ \t]*\/\/[#@] sourceMappingURL=(\S+)[ \t]*$/gm)) url = match[1];
  return url;
}
