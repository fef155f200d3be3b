/**
 * A prepared file's position table (twin-places.ts) when the file's announcement did not carry
 * it, found the first time a breakpoint lands in a file with twinned functions. Every file's table
 * is packed into shared memory as it binds (prepare/packed-table.ts), so this is only for a file
 * whose shared memory could not be had: a file prepared at build time holds the table in its own
 * text (prepare/build-data.ts), a cached file's output is in the cache, and the same input is
 * prepared again only where neither is there (a cache entry gone since). A table is taken only with the very text the
 * script runs: a file changed on disk since it loaded gives none (its breakpoints then go in the
 * body they land in, as before twins).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type BuildData, COMMONJS_DATA, MODULE_DATA, readBuildData, tableOfData } from '../../prepare/build-data.js';
import { commonJsHeader, moduleHeader } from '../../prepare/prepared-messages.js';
import { PREBUILT_FLAGS_SUFFIX } from '../../prepare/prebuilt.js';
import type { PrepareCacheAt } from '../../prepare/prepare-cache.js';
import type { PackedTable } from '../../prepare/packed-table.js';

export interface TableSource {
  /** As V8 names the script: a path (CommonJS) or a file URL (an ES module). */
  script: string;
  /** Where the code as written is: the input the file was prepared from. */
  written: string;
  /** Prepared at build time (`liveprobe prepare`). */
  prebuilt: boolean;
}

const BOM = 0xfeff;

/** The table of the prepared file `file`, whose running text is `running`; undefined when it cannot be found for that text. */
export async function positionTableOf(
  file: TableSource,
  running: string,
  cache: PrepareCacheAt | undefined,
): Promise<PackedTable | undefined> {
  if (file.prebuilt) {
    const data = await builtDataOf(file.script, running);
    return data === undefined ? undefined : tableOfData(data);
  }
  const module = file.script.startsWith('file:');
  let input = await readFile(file.written, 'utf8');
  // Node's CommonJS loader compiles the text without its byte order mark.
  if (!module && input.charCodeAt(0) === BOM) input = input.slice(1);
  // Loaded only here: the transform stays out of the worker until a breakpoint needs a table.
  const [{ prepareFile }, { PrepareCache }] = await Promise.all([
    import('../../prepare/prepare-file.js'),
    import('../../prepare/prepare-cache.js'),
  ]);
  const header = module ? moduleHeader(file.script) : commonJsHeader();
  const outcome = prepareFile(input, module ? 'module' : 'commonjs', header, cache && new PrepareCache(cache.dir, cache.version));
  return outcome.kind !== 'failed' && outcome.output.code === running ? outcome.table : undefined;
}

/** The data of a file prepared at build time, which holds its table (packed since build17, an object before). */
async function builtDataOf(script: string, running: string): Promise<BuildData | undefined> {
  if (!script.startsWith('file:')) return readBuildData(running, COMMONJS_DATA);
  // Its flags module holds the data: taken only beside the very module that runs.
  const path = fileURLToPath(script);
  const [own, flags] = await Promise.all([readFile(path, 'utf8'), readFile(path + PREBUILT_FLAGS_SUFFIX, 'utf8')]);
  return own === running ? readBuildData(flags, MODULE_DATA) : undefined;
}
