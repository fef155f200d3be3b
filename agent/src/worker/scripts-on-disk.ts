/**
 * Scripts read from disk, for stack frames whose script the inspector session does not know: it
 * is closed while actions sit on prepared sites only, and a snapshot's stack there also runs
 * through scripts that are not prepared (a minified dependency, the app's other bundle). A frame
 * in one is mapped, and its function named, through the map its last sourceMappingURL comment
 * names; a script with none is not parsed. Maps are kept (a stack's frames come back snapshot
 * after snapshot), texts are not: an analysis goes with the worker's others (analysis-cache.ts).
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { renamedFunctionAt } from '../locate/function-name.js';
import { analyseSource, offsetOf, type AnalysedSource } from '../locate/source-analysis.js';
import { loadSourceMap, type ScriptSourceMap } from '../locate/source-maps.js';
import { lastSourceMappingURL } from '../prepare/map-comment.js';
import { shownSource } from '../prepare/prebuilt.js';
import type { AnalysisCache } from './analysis-cache.js';

export class ScriptsOnDisk {
  private readonly maps = new Map<string, Promise<ScriptSourceMap | undefined>>();

  constructor(private readonly analyses: AnalysisCache<Promise<AnalysedSource | undefined>>) {}

  /** A position (0-based column) in the user's source. */
  async original(path: string, line: number, column: number): Promise<{ file: string; line: number; column: number } | undefined> {
    const position = (await this.mapOf(path))?.originalFor(line, column);
    return position === undefined ? undefined : shownSource(position);
  }

  /** The source's name of the function around a position, where the script renamed it. */
  async renamedFunctionAt(path: string, line: number, column: number): Promise<string | undefined> {
    const map = await this.mapOf(path);
    if (map === undefined) return undefined;
    const analysed = await this.analyses.get(`disk:${path}`, async () => analyseSource(await readFile(path, 'utf8')));
    return analysed === undefined ? undefined : renamedFunctionAt(analysed, offsetOf(analysed, line, column), map);
  }

  /** The script's map, read once: undefined for a script without one, or one that does not read (not asked for again). */
  private mapOf(path: string): Promise<ScriptSourceMap | undefined> {
    // Node's own modules (`node:events`) and eval'd code have no file.
    if (!isAbsolute(path)) return Promise.resolve(undefined);
    let map = this.maps.get(path);
    if (map === undefined) {
      map = readFile(path, 'utf8')
        .then((text) => {
          const url = lastSourceMappingURL(text);
          return url === undefined ? undefined : loadSourceMap(path, url);
        })
        .catch(() => undefined);
      this.maps.set(path, map);
    }
    return map;
  }
}
