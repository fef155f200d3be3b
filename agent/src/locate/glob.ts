/**
 * Path globs for the agent's blocklist: `*` within one path segment, `**` across segments,
 * `?` one character. A pattern without a leading `/` matches at any directory boundary, so
 * `src/auth/**` blocks `/srv/app/src/auth/login.js` wherever the app is deployed.
 */
export function globToRegExp(pattern: string): RegExp {
  const normalized = normalizePath(pattern);
  let body = '';
  for (let i = 0; i < normalized.length; i++) {
    const ch = normalized[i]!;
    if (ch === '*' && normalized[i + 1] === '*') {
      // `**/` also matches no directory at all.
      if (normalized[i + 2] === '/') {
        body += '(?:.*/)?';
        i += 2;
      } else {
        body += '.*';
        i += 1;
      }
    } else if (ch === '*') body += '[^/]*';
    else if (ch === '?') body += '[^/]';
    else body += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const anchored = normalized.startsWith('/') ? `^${body}$` : `(?:^|/)${body}$`;
  return new RegExp(anchored);
}

/** `file:///a/b.js`, `C:\a\b.js` and `/a/b.js` all compare as forward-slash paths. */
export function normalizePath(path: string): string {
  let out = path.startsWith('file://') ? decodeURI(path.slice('file://'.length)) : path;
  out = out.replace(/\\/g, '/');
  return out;
}

/** Function-name patterns: `*` matches any run of characters (names have no path segments). */
export function namePatternToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}
