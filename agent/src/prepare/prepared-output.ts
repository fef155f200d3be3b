/**
 * What preparing one file produces: the rewritten text, where its probe sites are, and how
 * its positions map back to the original (for stack traces). Plain data: it is cached on disk
 * as JSON and sent between threads.
 */
export interface PreparedOutput {
  code: string;
  /** Flat triples per site: original line (1-based), original column (0-based), function flag or -1 for an inline site. */
  sites: number[];
  /** How many function flags (one per twinned function). */
  functions: number;
  /**
   * The names each probe site passes, in the order of the values in its array (`[site, this,
   * value, …]`). Out of the code, a name costs no bytes at each of the sites that pass it.
   */
  siteNames: SiteNames;
  /**
   * Generated line → flat triples `[generatedColumn, originalLine, originalColumn]`, sorted by
   * column, only for lines the transform changed; inserted code maps to the statement it guards.
   */
  map: Record<number, number[]>;
  /** The file's own `//# sourceMappingURL=` (tsc output, bundles), for matching `file:line` in the user's source. */
  sourceMappingURL?: string;
  /** How each function was prepared, for the start-up report and tests. */
  functionsReport: FunctionReport[];
}

export interface SiteNames {
  /** The file's names, each once; one starting with `*` comes with a reader of a binding that may be in its TDZ. */
  names: string[];
  /** Each distinct list of names a site passes, once, as indices into `names`. */
  lists: number[][];
  /** Each site's list, by index into `lists`. */
  bySite: number[];
}

/** The names site `site` passes, in order. */
export function siteNamesOf(table: SiteNames, site: number): string[] {
  return (table.lists[table.bySite[site]!] ?? []).map((name) => table.names[name]!);
}

export interface FunctionReport {
  line: number;
  column: number;
  /** `twin`: entry guard and an instrumented copy; `inline`: a guard before each statement; `none`: left to breakpoints. */
  mode: 'twin' | 'inline' | 'none';
  /** Why it did not get a twin (or why it was left alone). */
  reason?: string;
}

/** A site of a prepared file, as the worker sees it. */
export interface SiteEntry {
  id: number;
  line: number;
  column: number;
  /** The twin's function flag, or -1. */
  fn: number;
}

export function siteEntries(sites: ArrayLike<number>): SiteEntry[] {
  const out: SiteEntry[] = [];
  for (let i = 0; i < sites.length; i += 3) out.push({ id: i / 3, line: sites[i]!, column: sites[i + 1]!, fn: sites[i + 2]! });
  return out;
}
