/**
 * Prepared output on disk, keyed by a hash of the content, the header, the module kind, the
 * agent's version and the transform's version: preparing costs 0.6–1.1 s of CPU per MB, reading ~nothing.
 * The output's position table is stored packed (packed-table.ts), its bytes read straight into
 * shared memory: parsed back from JSON and packed again, typescript.js's entry took twice as long
 * to read (886 against 474 ms, docs/BENCHMARKS.md, table16).
 */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { PreparedOutput } from './prepared-output.js';
import type { PackedTable } from './packed-table.js';

/** In every key: an entry whose table is stored packed reads as a miss to an agent of the same version that stores it otherwise. */
const FORMAT = 'packed-table';

// Captured before the app runs, which may replace these globals (the app's thread reads its CommonJS files' entries as they load).
const I32 = Int32Array;
const U8 = Uint8Array;
const Shared = SharedArrayBuffer;

/** An entry's JSON: the output, its map left out when the table is stored packed. */
type StoredOutput = Omit<PreparedOutput, 'map'> & { map?: PreparedOutput['map'] };

/** A cache entry: the output, and its position table when stored packed (the output's `map` then left empty). */
export interface CachedOutput {
  output: PreparedOutput;
  table?: PackedTable;
}

/** Where a cache is and the version its keys carry: the worker reads the app thread's cache with it. */
export interface PrepareCacheAt {
  dir: string;
  version: string;
}

export class PrepareCache {
  private ready = false;
  /**
   * node:crypto loads with the cache, before the app's code, not with the agent: it initialises
   * OpenSSL, ~4 MiB of RSS on Node 24, which an app that prepares nothing never pays.
   */
  private readonly createHash = (createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto')).createHash;

  constructor(
    private readonly dir: string,
    private readonly version: string,
  ) {}

  key(source: string, kind: string, header: string): string {
    return this.createHash('sha256').update(`${this.version}\0${FORMAT}\0${kind}\0${header}\0`).update(source).digest('hex');
  }

  get(key: string): CachedOutput | undefined {
    try {
      const output = JSON.parse(readFileSync(join(this.dir, `${key}.json`), 'utf8')) as StoredOutput;
      if (output.map !== undefined) return { output: output as PreparedOutput };
      // Written before the output (put), so there for any output that left its map out.
      return { output: { ...output, map: {} }, table: readTable(join(this.dir, `${key}.table`)) };
    } catch {
      return undefined;
    }
  }

  /** Best effort: a cache that cannot be written only costs the next start-up time. */
  put(key: string, output: PreparedOutput, table: PackedTable | undefined): void {
    try {
      if (!this.ready) {
        mkdirSync(this.dir, { recursive: true });
        this.ready = true;
      }
      if (table !== undefined) writeAtomically(join(this.dir, `${key}.table`), new U8(table.buffer, table.byteOffset, table.byteLength));
      writeAtomically(join(this.dir, `${key}.json`), JSON.stringify(table === undefined ? output : { ...output, map: undefined }));
    } catch {
      // read-only or full disk
    }
  }
}

function writeAtomically(file: string, data: string | Uint8Array): void {
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(temporary, data);
  renameSync(temporary, file);
}

/** A packed table's bytes, read into shared memory. */
function readTable(file: string): PackedTable {
  const fd = openSync(file, 'r');
  try {
    const bytes = fstatSync(fd).size;
    const table = new I32(new Shared(bytes));
    const into = new U8(table.buffer);
    for (let at = 0; at < bytes; ) {
      const read = readSync(fd, into, at, bytes - at, at);
      if (read === 0) throw new Error(`${file} ended at byte ${at} of ${bytes}`);
      at += read;
    }
    return table;
  } finally {
    closeSync(fd);
  }
}
