/**
 * `liveprobe prepare`'s work: prepares every JavaScript file of a folder with the agent's
 * build-time transform and writes each beside its companions (composed source map, the input
 * as it was, an ES module's flags module), in place or into another folder (then every other
 * file is copied, so the output runs as the input did). A file that cannot be prepared is left
 * as written (its lines take actions as breakpoints); a file already prepared is left alone.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import {
  isPrebuilt,
  PREBUILT_FLAGS_SUFFIX,
  PREBUILT_MAP_SUFFIX,
  PREBUILT_ORIGINAL_SUFFIX,
  prepareForBuild,
} from '@liveprobe/agent/prepare';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { treeFiles, type TreeFile } from './tree-files.js';

export interface PrepareTreeOptions {
  root: string;
  /** undefined: in place. */
  out?: string;
  nodeModules: boolean;
  /** Called after each JavaScript file, for progress. */
  progress?(done: number, total: number, bytes: number, totalBytes: number): void;
}

export interface FileResult {
  path: string;
  outcome: 'prepared' | 'already-prepared' | 'untouched';
  /** Why a file was left as written. */
  reason?: string;
  bytes: number;
  /** Size of the prepared file. */
  outputBytes?: number;
  ms: number;
}

export interface PrepareTreeReport {
  root: string;
  out: string;
  files: FileResult[];
  /** node_modules folders not entered. */
  nodeModulesSkipped: number;
  /** Other files copied into the output folder. */
  copied: number;
  ms: number;
}

export function prepareTree(options: PrepareTreeOptions): PrepareTreeReport {
  const started = performance.now();
  const out = options.out ?? options.root;
  const { files, nodeModulesSkipped } = treeFiles(options.root, { nodeModules: options.nodeModules, skip: [out] });
  const scripts = files.filter((f) => f.kind !== undefined && !f.path.endsWith(PREBUILT_FLAGS_SUFFIX));
  const totalBytes = scripts.reduce((sum, f) => sum + sizeOf(f.path), 0);
  const results: FileResult[] = [];
  let bytes = 0;
  let copied = 0;
  const written = new Set<string>();
  for (const file of scripts) {
    const result = prepareOne(file, join(out, file.relative), written);
    results.push(result);
    bytes += result.bytes;
    options.progress?.(results.length, scripts.length, bytes, totalBytes);
  }
  if (out !== options.root) {
    for (const file of files) {
      const target = join(out, file.relative);
      if (written.has(target)) continue;
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(file.path, target);
      copied++;
    }
  }
  return { root: options.root, out, files: results, nodeModulesSkipped, copied, ms: performance.now() - started };
}

function prepareOne(file: TreeFile, target: string, written: Set<string>): FileResult {
  const started = performance.now();
  const source = readFileSync(file.path, 'utf8');
  const bytes = Buffer.byteLength(source);
  const result = (outcome: FileResult['outcome'], more: Partial<FileResult> = {}): FileResult => ({
    path: file.relative,
    outcome,
    bytes,
    ms: performance.now() - started,
    ...more,
  });
  if (isPrebuilt(source)) return result('already-prepared');
  let built: ReturnType<typeof prepareForBuild>;
  try {
    const inputMap = readInputMap(source, file.path, dirname(target));
    built = prepareForBuild({ source, kind: file.kind!, name: basename(file.path), ...(inputMap === undefined ? {} : { inputMap }) });
  } catch (err) {
    return result('untouched', { reason: errorMessage(err) });
  }
  mkdirSync(dirname(target), { recursive: true });
  const write = (path: string, text: string): void => {
    writeFileSync(path, text);
    written.add(path);
  };
  write(target + PREBUILT_ORIGINAL_SUFFIX, built.original);
  write(target + PREBUILT_MAP_SUFFIX, JSON.stringify(built.map));
  if (built.flagsModule !== undefined) write(target + PREBUILT_FLAGS_SUFFIX, built.flagsModule);
  // Last: a run stopped half-way leaves the input (in place) as it was, or a file not yet written.
  write(target, built.code);
  return result('prepared', { outputBytes: Buffer.byteLength(built.code) });
}

/** The input's own source map (a file beside it or a data URL), its sources renamed relative to where the output goes. */
function readInputMap(
  source: string,
  path: string,
  outDir: string,
): { json: string; url: string; sourceName(resolved: string): string } | undefined {
  let url: string | undefined;
  for (const match of source.matchAll(/^[ \t]*\/\/[#@] sourceMappingURL=(\S+)[ \t]*$/gm)) url = match[1];
  if (url === undefined) return undefined;
  const base = pathToFileURL(path).href;
  let json: string;
  let mapUrl: string;
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',');
    const body = url.slice(comma + 1);
    json = /;base64$/.test(url.slice(0, comma)) ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
    mapUrl = base;
  } else {
    mapUrl = new URL(url, base).href;
    try {
      json = readFileSync(fileURLToPath(mapUrl), 'utf8');
    } catch {
      // A map that is not there: the prepared file maps back to the input only.
      return undefined;
    }
  }
  return {
    json,
    url: mapUrl,
    sourceName: (resolved) => (resolved.startsWith('file:') ? relative(outDir, fileURLToPath(resolved)).split(sep).join('/') : resolved),
  };
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
