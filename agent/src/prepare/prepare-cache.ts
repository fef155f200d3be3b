/**
 * Prepared output on disk, keyed by a hash of the content, the header, the module kind, the
 * agent's version and the transform's version: preparing costs 0.6–1.1 s of CPU per MB, reading ~nothing.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { PreparedOutput } from './prepared-output.js';

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
    return this.createHash('sha256').update(`${this.version}\0${kind}\0${header}\0`).update(source).digest('hex');
  }

  get(key: string): PreparedOutput | undefined {
    try {
      return JSON.parse(readFileSync(join(this.dir, `${key}.json`), 'utf8')) as PreparedOutput;
    } catch {
      return undefined;
    }
  }

  /** Best effort: a cache that cannot be written only costs the next start-up time. */
  put(key: string, output: PreparedOutput): void {
    try {
      if (!this.ready) {
        mkdirSync(this.dir, { recursive: true });
        this.ready = true;
      }
      const file = join(this.dir, `${key}.json`);
      const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
      writeFileSync(temporary, JSON.stringify(output));
      renameSync(temporary, file);
    } catch {
      // read-only or full disk
    }
  }
}
