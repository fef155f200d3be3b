/**
 * Prepares one file as it loads, from the cache when it can. Never throws: a file that fails to
 * parse or transform loads untouched, and the outcome says why.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import { performance } from 'node:perf_hooks';
import type { PrepareCache } from './prepare-cache.js';
import type { PreparedOutput } from './prepared-output.js';
import { packTable, type PackedTable } from './packed-table.js';
import { prepareSource } from './transform.js';

/**
 * The clock as it was when the agent loaded: CommonJS files are prepared on the app's thread as
 * they load, after fake-timer libraries may have redefined `performance.now`.
 */
const now: () => number = performance.now.bind(performance);

export type PrepareOutcome =
  | {
      kind: 'prepared' | 'cached';
      output: PreparedOutput;
      /**
       * The position table packed into shared memory (packed-table.ts), which the thread that
       * binds the file reads for stack traces and hands to the agent's worker: neither thread then
       * keeps the table's object. Packing costs 0.5–1% of a transform; the cache stores it packed.
       * Undefined when shared memory cannot be had (the binding thread then packs the object
       * later, the worker finds its own).
       */
      table?: PackedTable;
      ms: number;
      bytes: number;
    }
  | { kind: 'failed'; reason: string; ms: number; bytes: number };

export function prepareFile(source: string, kind: 'module' | 'commonjs', header: string, cache: PrepareCache | undefined): PrepareOutcome {
  const started = now();
  const bytes = Buffer.byteLength(source);
  const key = cache?.key(source, kind, header);
  const cached = key === undefined ? undefined : cache!.get(key);
  if (cached !== undefined) return withTable('cached', cached.output, cached.table ?? packTable(cached.output.map), started, bytes);
  try {
    const output = prepareSource(source, { kind, header });
    const table = packTable(output.map);
    if (key !== undefined) cache!.put(key, output, table);
    return withTable('prepared', output, table, started, bytes);
  } catch (err) {
    return { kind: 'failed', reason: errorMessage(err), ms: now() - started, bytes };
  }
}

function withTable(
  kind: 'prepared' | 'cached',
  output: PreparedOutput,
  table: PackedTable | undefined,
  started: number,
  bytes: number,
): PrepareOutcome {
  return { kind, output, ...(table === undefined ? {} : { table }), ms: now() - started, bytes };
}
