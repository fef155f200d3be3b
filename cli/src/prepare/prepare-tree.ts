/**
 * `liveprobe prepare`'s work: prepares every JavaScript file of a folder with the agent's
 * build-time transform and writes each beside its companions (composed source map, the input
 * as it was, an ES module's flags module), in place or into another folder (then every other
 * file is copied, so the output runs as the input did). A file that cannot be prepared is left
 * as written (its lines take actions as breakpoints); a file already prepared is left alone.
 */
import { PREBUILT_FLAGS_SUFFIX } from '@liveprobe/agent/prepare';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ParserChoice } from './oxc-parse.js';
import type { FileResult } from './prepare-one.js';
import { prepareAll } from './prepare-pool.js';
import { type BrowserFolder, treeFiles } from './tree-files.js';

export type { FileResult } from './prepare-one.js';

export interface PrepareTreeOptions {
  root: string;
  /** undefined: in place. */
  out?: string;
  nodeModules: boolean;
  /** Threads preparing files (prepare-pool.ts), 1: this thread; by default defaultJobs'. */
  jobs?: number;
  /** Called after each JavaScript file, for progress. */
  progress?(done: number, total: number, bytes: number, totalBytes: number): void;
}

export interface PrepareTreeReport {
  root: string;
  out: string;
  files: FileResult[];
  /** node_modules folders not entered. */
  nodeModulesSkipped: number;
  /** Folders of the browser's files, copied as they are (browser-folders.ts). */
  browserFolders: BrowserFolder[];
  /** Other files copied into the output folder. */
  copied: number;
  /** Threads that prepared the files. */
  jobs: number;
  /** The parser the transform used (oxc-parse.ts): the output is the same with either. */
  parser: ParserChoice;
  ms: number;
}

export async function prepareTree(options: PrepareTreeOptions): Promise<PrepareTreeReport> {
  const started = performance.now();
  const out = options.out ?? options.root;
  const { files, nodeModulesSkipped, browserFolders } = treeFiles(options.root, { nodeModules: options.nodeModules, skip: [out] });
  const scripts = files.filter((f) => f.kind !== undefined && !f.path.endsWith(PREBUILT_FLAGS_SUFFIX));
  const sizes = scripts.map((f) => sizeOf(f.path));
  const totalBytes = sizes.reduce((sum, size) => sum + size, 0);
  const jobs = Math.min(options.jobs ?? defaultJobs(totalBytes), Math.max(1, scripts.length));
  let finished = 0;
  let bytes = 0;
  let copied = 0;
  const { done, parser } = await prepareAll(
    scripts.map((file) => ({ file, target: join(out, file.relative) })),
    sizes,
    jobs,
    ({ result }) => {
      bytes += result.bytes;
      options.progress?.(++finished, scripts.length, bytes, totalBytes);
    },
  );
  const results: FileResult[] = done.map((d) => d.result);
  const written = new Set(done.flatMap((d) => d.written));
  if (out !== options.root) {
    for (const file of files) {
      const target = join(out, file.relative);
      if (written.has(target)) continue;
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(file.path, target);
      copied++;
    }
  }
  return {
    root: options.root,
    out,
    files: results,
    nodeModulesSkipped,
    browserFolders,
    copied,
    jobs,
    parser,
    ms: performance.now() - started,
  };
}

/**
 * Each thread pays its own JIT warm-up: ~0.7 s of CPU, as much as preparing ~2 MB once the JIT
 * is warm (docs/PREPARE.md, the speed section). Below a MiB per thread, another thread would
 * add more CPU than it takes off the wall clock even on idle cores.
 */
export const MIN_BYTES_PER_THREAD = 1 << 20;

/** `--jobs` when not given: a thread per core, as long as each gets MIN_BYTES_PER_THREAD of input. */
export function defaultJobs(totalBytes: number, cores = availableParallelism()): number {
  return Math.max(1, Math.min(cores, Math.floor(totalBytes / MIN_BYTES_PER_THREAD)));
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
