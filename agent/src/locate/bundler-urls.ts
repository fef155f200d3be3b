/**
 * Sources a bundler names by a URL of its own rather than a path: webpack writes
 * `webpack://shop/./src/orders.ts` (its namespace, then the path from its `context`, the project
 * folder) and names its own code `webpack://shop/webpack/runtime/…`, `webpack://shop/webpack/bootstrap`
 * or `webpack://shop/external node-commonjs "node:http"`. A user names the first as
 * `src/orders.ts`; the others are code nobody wrote and nobody names. Read from the name alone
 * (no file system), so the main thread's stack capture reads them too.
 */
/** What a map's source is, when the map names it by a URL of a scheme that is not a place (file, http). */
export type BundlerSource =
  /** A project file: its path from the bundler's context, `./src/orders.ts` or `../shared/x.ts`. */
  | { kind: 'project'; relative: string }
  /** The bundler's own code (runtime, bootstrap, externals): not matched against a user's file. */
  | { kind: 'own' };

const OWN_SCHEME = /^([a-z][a-z\d+.-]*):\/\//i;
const PLACE_SCHEMES = new Set(['file', 'http', 'https']);

/**
 * A source as the map wrote it (with its `sourceRoot`), read as a bundler's name; undefined for
 * a path or a file or web URL, which are read as they are. The path from the context starts at the
 * first `.` or `..` segment (the namespace before it may hold a `/`: `@acme/shop`); a query
 * webpack adds to tell apart two modules of one file (`?3a1f`) is not part of the path.
 */
export function bundlerSource(source: string, sourceRoot: string | undefined): BundlerSource | undefined {
  const raw = writtenSource(source, sourceRoot);
  const scheme = OWN_SCHEME.exec(raw)?.[1]?.toLowerCase();
  if (scheme === undefined || PLACE_SCHEMES.has(scheme)) return undefined;
  const rest = raw.slice(scheme.length + 3);
  const start = rest.search(/(?:^|\/)\.\.?\//);
  if (start === -1) return { kind: 'own' };
  const relative = rest.slice(rest[start] === '/' ? start + 1 : start).replace(/[?#].*$/, '');
  return { kind: 'project', relative };
}

/** A map's source with its `sourceRoot` before it, unresolved: resolving a URL drops its `./` segments. */
export function writtenSource(source: string, sourceRoot: string | undefined): string {
  return sourceRoot === undefined || sourceRoot === '' || OWN_SCHEME.test(source) ? source : `${sourceRoot.replace(/\/?$/, '/')}${source}`;
}
