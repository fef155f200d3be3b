/**
 * Scripts read from disk, for stack frames whose script the inspector session does not know: it
 * is closed while actions sit on prepared sites only, and a snapshot's stack there also runs
 * through scripts that are not prepared (a minified dependency, the app's other bundle). A frame
 * in one is mapped, and its function named, through the map its last sourceMappingURL comment
 * names; a script with none is not parsed.
 *
 * Memory stays bounded however many scripts stacks pass through: only the most recently used
 * parsed maps are kept (a parsed map holds its whole mappings, megabytes for a bundle), the paths
 * found without a map and the positions already mapped are forgotten past a count, and texts are
 * not kept at all: an analysis goes with the worker's others (analysis-cache.ts). A script is
 * read once per need: naming a frame in a script whose map is not held reads it once for both
 * its map comment and the analysis.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { renamedFunctionAt } from '../locate/function-name.js';
import { analyseSource, offsetOf, type AnalysedSource } from '../locate/source-analysis.js';
import { loadSourceMap, type ScriptSourceMap } from '../locate/source-maps.js';
import { lastSourceMappingURL } from '../prepare/map-comment.js';
import { shownSource } from '../prepare/prebuilt.js';
import type { AnalysisCache } from './analysis-cache.js';

type Position = { file: string; line: number; column: number };

/** A script read for its map: its text, for an analysis asked for at the same time. */
type Read = { text: string; map: ScriptSourceMap } | undefined;

/** Parsed maps kept: a stack's mapped scripts are a handful; past that the least recently used goes. */
export const MAPS_KEPT = 32;
/** Positions and map-less paths remembered; past that the memory starts over (as frame-names.ts). */
const REMEMBERED = 2000;

export class ScriptsOnDisk {
  /** In least recently used order: a Map iterates in insertion order, and a use re-inserts. */
  private readonly maps = new Map<string, Promise<ScriptSourceMap | undefined>>();
  private readonly unmapped = new Set<string>();
  /** Reads in flight, for a naming and a mapping of the same new frame to share. */
  private readonly reading = new Map<string, Promise<Read>>();
  /** A line's snapshots repeat the same stack: its positions map without the map held. */
  private readonly positions = new Map<string, Promise<Position | undefined>>();

  constructor(
    private readonly analyses: AnalysisCache<Promise<AnalysedSource | undefined>>,
    private readonly readText: (path: string) => Promise<string> = (path) => readFile(path, 'utf8'),
  ) {}

  /** A position (0-based column) in the user's source. */
  original(path: string, line: number, column: number): Promise<Position | undefined> {
    const key = `${line}:${column}:${path}`;
    let position = this.positions.get(key);
    if (position === undefined) {
      if (this.positions.size >= REMEMBERED) this.positions.clear();
      position = this.mapOf(path).then((map) => {
        const found = map?.originalFor(line, column);
        return found === undefined ? undefined : shownSource(found);
      });
      this.positions.set(key, position);
    }
    return position;
  }

  /** The source's name of the function around a position, where the script renamed it. */
  async renamedFunctionAt(path: string, line: number, column: number): Promise<string | undefined> {
    const held = this.heldMap(path);
    // The map is not held (or is being read): its read also serves the analysis.
    const read = held === undefined ? this.read(path) : undefined;
    const map = await (read === undefined ? held : read.then((r) => r?.map));
    if (map === undefined) return undefined;
    const analysed = await this.analyses.get(`disk:${path}`, async () => analyseSource((await read)?.text ?? (await this.readText(path))));
    return analysed === undefined ? undefined : renamedFunctionAt(analysed, offsetOf(analysed, line, column), map);
  }

  /** The script's map: undefined for a script without one, or one that does not read (not asked for again). */
  private mapOf(path: string): Promise<ScriptSourceMap | undefined> {
    return this.heldMap(path) ?? this.read(path).then((read) => read?.map);
  }

  /** A map kept from an earlier read, now the most recently used; a resolved undefined for a script known to have none. */
  private heldMap(path: string): Promise<ScriptSourceMap | undefined> | undefined {
    // Node's own modules (`node:events`) and eval'd code have no file.
    if (!isAbsolute(path) || this.unmapped.has(path)) return Promise.resolve(undefined);
    const map = this.maps.get(path);
    if (map !== undefined) {
      this.maps.delete(path);
      this.maps.set(path, map);
    }
    return map;
  }

  private read(path: string): Promise<Read> {
    let reading = this.reading.get(path);
    if (reading !== undefined) return reading;
    reading = this.readText(path)
      .then(async (text): Promise<Read> => {
        const url = lastSourceMappingURL(text);
        return url === undefined ? undefined : { text, map: await loadSourceMap(path, url) };
      })
      .catch(() => undefined);
    this.reading.set(path, reading);
    void reading.then((read) => {
      this.reading.delete(path);
      if (read === undefined) return this.forgetMap(path);
      this.maps.set(path, Promise.resolve(read.map));
      if (this.maps.size > MAPS_KEPT) this.maps.delete(this.maps.keys().next().value!);
    });
    return reading;
  }

  private forgetMap(path: string): void {
    if (this.unmapped.size >= REMEMBERED) this.unmapped.clear();
    this.unmapped.add(path);
  }

  /** How many parsed maps are held (for the bound's test). */
  get mapsHeld(): number {
    return this.maps.size;
  }
}
