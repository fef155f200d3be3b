/**
 * Preparing one file of `liveprobe prepare`: read it, run the agent's build-time transform, and
 * write the prepared file beside its companions (composed source map, the input as it was, an ES
 * module's flags module). The same function runs in the command's thread or in one of its
 * workers (prepare-pool.ts), so the output does not depend on how many there are.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import {
  type SourceParser,
  isPrebuilt,
  lastSourceMappingURL,
  PREBUILT_FLAGS_SUFFIX,
  PREBUILT_MAP_SUFFIX,
  PREBUILT_ORIGINAL_SUFFIX,
  prepareForBuild,
  PrepareError,
  webRuntimeScript,
} from '@liveprobe/agent/prepare';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TreeFile } from './tree-files.js';

export interface FileResult {
  path: string;
  /**
   * 'web-runtime': a webpack chunk for a web or edge runtime (agent/src/prepare/web-chunks.ts), left as written; unlike
   * an 'untouched' file, no action reaches its lines at all, since no agent runs where it does.
   */
  outcome: 'prepared' | 'already-prepared' | 'untouched' | 'web-runtime';
  /** Why a file was left as written. */
  reason?: string;
  bytes: number;
  /** Size of the prepared file. */
  outputBytes?: number;
  /** Prepared as an ES module by its syntax: its package does not say `"type": "module"`. */
  moduleBySyntax?: boolean;
  ms: number;
}

/** A JavaScript file to prepare and where its output goes. */
export interface FileJob {
  file: TreeFile;
  target: string;
}

/** The file's result and every path written for it (the caller copies the rest of the folder). */
export interface FileDone {
  result: FileResult;
  written: string[];
}

/** `parser`: acorn when undefined (oxc-parse.ts). */
export function prepareOne({ file, target }: FileJob, parser?: SourceParser): FileDone {
  const started = performance.now();
  const source = readFileSync(file.path, 'utf8');
  const bytes = Buffer.byteLength(source);
  const written: string[] = [];
  const done = (outcome: FileResult['outcome'], more: Partial<FileResult> = {}): FileDone => ({
    result: { path: file.relative, outcome, bytes, ms: performance.now() - started, ...more },
    written,
  });
  if (isPrebuilt(source)) return done('already-prepared');
  const web = webRuntimeScript(source);
  if (web !== undefined) return done('web-runtime', { reason: web });
  let built: ReturnType<typeof prepareForBuild>;
  let moduleBySyntax = false;
  const prepare = (kind: 'module' | 'commonjs') => {
    const inputMap = readInputMap(source, file.path, dirname(target));
    return prepareForBuild({
      source,
      kind,
      name: basename(file.path),
      ...(inputMap === undefined ? {} : { inputMap }),
      ...(parser === undefined ? {} : { parser }),
    });
  };
  try {
    built = prepare(file.kind!);
  } catch (err) {
    // As Node does (20.19+, 22.7+): a `.js` file of a package not marked as ES modules that is
    // no script but parses as a module is loaded as one, so it is prepared as one.
    // Only a parse failure: a script the transform refused for another reason must stay a script.
    const unparsed = err instanceof PrepareError && err.message.startsWith('cannot parse');
    if (!unparsed || file.kind !== 'commonjs' || !file.path.endsWith('.js')) return done('untouched', { reason: errorMessage(err) });
    try {
      built = prepare('module');
      moduleBySyntax = true;
    } catch {
      return done('untouched', { reason: errorMessage(err) });
    }
  }
  mkdirSync(dirname(target), { recursive: true });
  const write = (path: string, text: string): void => {
    writeFileSync(path, text);
    written.push(path);
  };
  write(target + PREBUILT_ORIGINAL_SUFFIX, built.original);
  write(target + PREBUILT_MAP_SUFFIX, JSON.stringify(built.map));
  if (built.flagsModule !== undefined) write(target + PREBUILT_FLAGS_SUFFIX, built.flagsModule);
  // Last: a run stopped half-way leaves the input (in place) as it was, or a file not yet written.
  write(target, built.code);
  return done('prepared', { outputBytes: Buffer.byteLength(built.code), ...(moduleBySyntax ? { moduleBySyntax } : {}) });
}

/** The input's own source map (a file beside it or a data URL), its sources renamed relative to where the output goes. */
function readInputMap(
  source: string,
  path: string,
  outDir: string,
): { json: string; url: string; sourceName(resolved: string): string } | undefined {
  const url = lastSourceMappingURL(source);
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
