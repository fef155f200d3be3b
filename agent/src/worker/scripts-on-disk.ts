/**
 * Scripts read from disk, for stack frames whose script the inspector session does not know: it
 * is closed while actions sit on prepared sites only, and a snapshot's stack there also runs
 * through scripts that are not prepared (a minified dependency, the app's other bundle). A frame
 * in one is mapped, and its function named, through the map its last sourceMappingURL comment
 * names; a script with none is not parsed.
 *
 * The worker's memory stays bounded however many scripts stacks pass through: only the most
 * recently used parsed maps (a map holds its mappings: megabytes for a bundle; bounded by count
 * and by their estimated heap) and scope analyses (~50 times their script's size) are kept, the
 * paths found without a map and the positions already mapped are forgotten past a count, and
 * texts are not kept. Snapshots of a
 * line repeat its stack, whose positions are remembered here and whose names in frame-names.ts,
 * so a map or an analysis let go is needed again only for a position not seen yet. A script is
 * read once per need: a new frame in a script whose map is not held reads it once for both its
 * map comment and its analysis.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { renamedFunctionAt } from '../locate/function-name.js';
import { analyseSource, offsetOf, type AnalysedSource } from '../locate/source-analysis.js';
import { loadSourceMap, type ScriptSourceMap } from '../locate/source-maps.js';
import { lastSourceMappingURL } from '../locate/map-comment.js';
import { shownSource } from '../prepare/prebuilt.js';
import { Recent } from './recent.js';

type Position = { file: string; line: number; column: number };

/** A script read for its map, with its text for an analysis asked for at the same time. */
type Read = { text: string; map: ScriptSourceMap } | undefined;

/** Parsed maps kept: a stack's mapped scripts are a handful. */
export const MAPS_KEPT = 32;
/**
 * And their estimated heap (ScriptSourceMap.estimatedBytes) at most: a bundle's map can take tens
 * of megabytes (76 MB for typescript.js minified), the count alone would let 32 of them stay.
 * The most recent map is held whatever it weighs: the frames of its script come back.
 */
export const MAP_BYTES_KEPT = 64 * 1024 * 1024;
/** Analyses kept: each names the new positions of one script, and weighs ~50 times its text. */
export const ANALYSES_KEPT = 4;
/** Positions and map-less paths remembered; past that the memory starts over (as frame-names.ts). */
const REMEMBERED = 2000;

export class ScriptsOnDisk {
  private readonly maps = new Recent<string, ScriptSourceMap>(MAPS_KEPT, MAP_BYTES_KEPT, (map) => map.estimatedBytes);
  private readonly analyses = new Recent<string, Promise<AnalysedSource | undefined>>(ANALYSES_KEPT);
  private readonly unmapped = new Set<string>();
  /** Reads in flight, for the naming and the mapping of the same new frame to share. */
  private readonly reading = new Map<string, Promise<Read>>();
  private readonly positions = new Map<string, Promise<Position | undefined>>();

  constructor(private readonly readText: (path: string) => Promise<string> = (path) => readFile(path, 'utf8')) {}

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
    // The map is not held: its read also serves the analysis.
    const read = held === undefined ? this.read(path) : undefined;
    const map = read === undefined ? await held : (await read)?.map;
    if (map === undefined) return undefined;
    let analysed = this.analyses.get(path);
    if (analysed === undefined) {
      analysed = (read ?? this.readText(path).then((text) => ({ text })))
        .then((r) => (r === undefined ? undefined : analyseSource(r.text)))
        .catch(() => undefined);
      this.analyses.set(path, analysed);
    }
    const analysis = await analysed;
    return analysis === undefined ? undefined : renamedFunctionAt(analysis, offsetOf(analysis, line, column), map);
  }

  /** What is held now, for the bounds' test. */
  get held(): { maps: number; mapBytes: number; analyses: number } {
    return { maps: this.maps.size, mapBytes: this.maps.weight, analyses: this.analyses.size };
  }

  /** The script's map: undefined for a script without one, or one that does not read (not asked for again). */
  private mapOf(path: string): Promise<ScriptSourceMap | undefined> {
    return this.heldMap(path) ?? this.read(path).then((read) => read?.map);
  }

  /** A map kept from an earlier read; a resolved undefined for a script known to have none; undefined when it must be read. */
  private heldMap(path: string): Promise<ScriptSourceMap | undefined> | undefined {
    // Node's own modules (`node:events`) and eval'd code have no file.
    if (!isAbsolute(path) || this.unmapped.has(path)) return Promise.resolve(undefined);
    const map = this.maps.get(path);
    return map === undefined ? undefined : Promise.resolve(map);
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
      if (read !== undefined) return this.maps.set(path, read.map);
      if (this.unmapped.size >= REMEMBERED) this.unmapped.clear();
      this.unmapped.add(path);
    });
    return reading;
  }
}
