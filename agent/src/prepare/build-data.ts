/**
 * What a file prepared at build time carries for the agent (its sites, flag count, position
 * table, composed map's name and site names), as one JSON array written into its text: a CommonJS
 * file's hoisted `$lpD`, an ES module's flags module. The app's thread passes the parts to the
 * registry, which decodes the position table and the sites, written packed (packed-text.ts),
 * straight into the memory it shares with the worker, and parses the site names, written as JSON
 * text, at the first hit that needs them; the worker reads the table back from the same text
 * only when that could not be done (worker/prepared/position-tables.ts). Strings, because V8
 * compiles a long array literal slowly: typescript.js's sites and site names as literals cost
 * its first call of `$lpD` ~70% of the time (docs/PREPARE.md, "Binding").
 */
import type { PackedTable } from './packed-table.js';
import { intsText, packedText, sharedTable } from './packed-text.js';
import type { PreparedOutput, SiteNames } from './prepared-output.js';

// Captured before the app runs, which may replace it.
const parseJson = JSON.parse;

/**
 * The data as the file holds it: `[sites, functions, map, mapName, siteNames, packed,
 * packedSites, siteNamesText]`. Since build17 the table is `packed` (packedText) and `map` is
 * null: an agent before that, which reads only `map`, binds the file without a table. Since
 * tail18 the sites are `packedSites` (intsText) and the site names `siteNamesText` (JSON), with
 * `sites` empty and `siteNames` null: an agent before that binds the file with no sites, so its
 * actions there take breakpoints. A file written before has `sites` and `siteNames` (and, before
 * build17, `map`) and not the parts after them.
 */
export type BuildData = [
  PreparedOutput['sites'],
  number,
  PreparedOutput['map'] | null,
  string,
  PreparedOutput['siteNames'] | null,
  string?,
  string?,
  string?,
];

/** A CommonJS file's data function, hoisted so the header on the first line can call it. */
export const COMMONJS_DATA = 'function $lpD() { return ';
const COMMONJS_DATA_END = '; }\n';

/** The flags module's data. */
export const MODULE_DATA = 'const d = ';
const MODULE_DATA_END = ';\n';

/** The data's text: JSON, so that it reads back without evaluating anything. */
export function buildData(output: PreparedOutput, mapName: string): string {
  const sites = intsText(Int32Array.from(output.sites));
  const names = JSON.stringify(JSON.stringify(output.siteNames));
  return `[[], ${output.functions}, null, ${JSON.stringify(mapName)}, null, "${packedText(output.map)}", "${sites}", ${names}]`;
}

/** The site names a file's `siteNamesText` holds; a damaged text names none, so its sites pass nothing to an action. */
export function siteNamesOfText(text: string): SiteNames {
  try {
    const names = parseJson(text) as SiteNames;
    if (Array.isArray(names?.names) && Array.isArray(names.lists) && Array.isArray(names.bySite)) return names;
  } catch {
    // Damaged: as below.
  }
  return { names: [], lists: [], bySite: [] };
}

/** The position table `data` holds, in shared memory: decoded from a file written packed, packed from an older file's object. */
export function tableOfData(data: BuildData): PackedTable | undefined {
  const table = data[5] ?? data[2];
  return (table == null ? undefined : sharedTable(table)) ?? undefined;
}

/** The data a prepared file's text (or its flags module's) holds after `opening`; undefined when there is none. */
export function readBuildData(text: string, opening: typeof COMMONJS_DATA | typeof MODULE_DATA): BuildData | undefined {
  // The data follows the code: the last occurrence is the agent's, whatever the code's own text holds.
  const at = text.lastIndexOf(opening);
  if (at === -1) return undefined;
  const start = at + opening.length;
  const end = text.indexOf(opening === COMMONJS_DATA ? COMMONJS_DATA_END : MODULE_DATA_END, start);
  if (end === -1) return undefined;
  try {
    const data = JSON.parse(text.slice(start, end)) as unknown;
    return Array.isArray(data) ? (data as BuildData) : undefined;
  } catch {
    return undefined;
  }
}
