/**
 * What a file prepared at build time carries for the agent (its sites, flag count, position
 * table, composed map's name and site names), as one JSON array written into its text: a CommonJS
 * file's hoisted `$lpD`, an ES module's flags module. The app's thread passes the parts to the
 * registry, which decodes the position table, written packed (packed-text.ts), straight into the
 * memory it shares with the worker; the worker reads it back from the same text only when that
 * could not be done (worker/prepared/position-tables.ts).
 */
import type { PackedTable } from './packed-table.js';
import { packedText, sharedTable } from './packed-text.js';
import type { PreparedOutput } from './prepared-output.js';

/**
 * The data as the file holds it: `[sites, functions, map, mapName, siteNames, packed]`. Since
 * build17 the table is `packed` (packedText) and `map` is null: an agent before that, which
 * reads only `map`, binds the file without a table. A file written before has `map`, the table's
 * object, and no `packed`.
 */
export type BuildData = [PreparedOutput['sites'], number, PreparedOutput['map'] | null, string, PreparedOutput['siteNames'], string?];

/** A CommonJS file's data function, hoisted so the header on the first line can call it. */
export const COMMONJS_DATA = 'function $lpD() { return ';
const COMMONJS_DATA_END = '; }\n';

/** The flags module's data. */
export const MODULE_DATA = 'const d = ';
const MODULE_DATA_END = ';\n';

/** The data's text: JSON, so that it reads back without evaluating anything. */
export function buildData(output: PreparedOutput, mapName: string): string {
  return `[${JSON.stringify(output.sites)}, ${output.functions}, null, ${JSON.stringify(mapName)}, ${JSON.stringify(output.siteNames)}, "${packedText(output.map)}"]`;
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
