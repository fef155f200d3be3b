/**
 * Source maps of loaded scripts: the user names a line in the source they read (TypeScript,
 * pre-bundle), the breakpoint goes on the generated position, and stacks map back.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { bundleRoot, underRoot } from './bundler-sources.js';
import { bundlerSource } from './bundler-urls.js';
import { throughBuiltSources } from './chained-maps.js';
import { inlineMapText, mapFilePath } from './inline-map.js';
import { scriptPath as pathOfUrl } from './script-match.js';
import { eachMapping, encodedMappings, FlattenMap, LEAST_UPPER_BOUND, originalPositionFor, type TraceMap } from '@jridgewell/trace-mapping';

export interface OriginalPosition {
  file: string;
  line: number;
  column: number;
}

export interface GeneratedPosition {
  line: number;
  column: number;
  /** The original line the position maps from: the requested one, or the next line with code. */
  originalLine: number;
}

/** Measured: see ScriptSourceMap.estimatedBytes. */
const DECODED_BYTES_PER_MAPPING_CHAR = 15;

export class SourceMapError extends Error {
  readonly code = 'source_map_unreadable';
  override name = 'SourceMapError';
}

/**
 * The positions of a script's running text against those of the code as written, which its map
 * reads: a file prepared as it loads runs with guards inserted, under the input's own map.
 */
export interface RunningText {
  written(at: { line: number; column: number }): { line: number; column: number };
  /** Undefined where the running text holds no such code. */
  running(at: { line: number; column: number }): { line: number; column: number } | undefined;
}

export class ScriptSourceMap {
  private readonly byPath = new Map<string, number>();
  /** Set on a copy read in a prepared text's positions (throughRunningText). */
  private runningText: RunningText | undefined;
  /** Each resolved source's path (stacks name it as `byPath` does). */
  private readonly pathOf = new Map<string, string>();
  private lineIndex: Map<number, Map<number, LineMappings>> | undefined;
  /** Why a built source the map names could not be traced to its own sources (chained-maps.ts), one sentence each. */
  untraced: readonly string[] = [];

  /** `bundled`: the path of each source a bundler named by a URL of its own (bundler-sources.ts); null for the bundler's own code. */
  constructor(
    private readonly map: TraceMap,
    naming?: (source: string) => string,
    bundled?: ReadonlyMap<number, string | null>,
  ) {
    map.resolvedSources.forEach((source, index) => {
      const own = bundled?.get(index);
      if (own === null) return;
      const resolved = own ?? pathOfUrl(source);
      const path = resolved === undefined || naming === undefined ? resolved : naming(resolved);
      if (path === undefined) return;
      this.byPath.set(path, index);
      this.pathOf.set(source, path);
    });
  }

  /** The original text of a source, when the map embeds it (`sourcesContent`). */
  sourceContent(source: string): string | undefined {
    const index = this.byPath.get(source);
    return index === undefined ? undefined : (this.map.sourcesContent?.[index] ?? undefined);
  }

  hasSource(path: string): boolean {
    return this.byPath.has(path);
  }

  /**
   * An estimate of the heap the map takes once it has been read from: its mappings decoded (about
   * 15 bytes a character of them: esbuild's 4.5 million characters for typescript.js, minified,
   * took 62 MB) and the sources it embeds.
   */
  get estimatedBytes(): number {
    let embedded = 0;
    for (const text of this.map.sourcesContent ?? []) embedded += text?.length ?? 0;
    return DECODED_BYTES_PER_MAPPING_CHAR * encodedMappings(this.map).length + embedded;
  }

  /** Absolute paths of the original sources this script was generated from. */
  sources(): IterableIterator<string> {
    return this.byPath.keys();
  }

  /**
   * This map, read in the positions of the text that runs rather than of the code as written: its
   * generated positions are the running text's, and it reads running positions. Shares the
   * decoded mappings.
   */
  throughRunningText(text: RunningText): ScriptSourceMap {
    const copy = Object.assign(Object.create(ScriptSourceMap.prototype) as ScriptSourceMap, this);
    copy.lineIndex = this.index();
    copy.runningText = text;
    return copy;
  }

  /** The earliest generated position for `line` of `source`, or of the next original line that has code. */
  generatedFor(source: string, line: number): GeneratedPosition | undefined {
    const found = this.lineFor(source, line);
    return found === undefined ? undefined : { ...this.running(found.mappings.first), originalLine: found.originalLine };
  }

  /** Whether the map places any line of `source` at all: one can list a source and map none of it. */
  mapsAnyLineOf(source: string): boolean {
    const index = this.byPath.get(source);
    return index !== undefined && (this.index().get(index)?.size ?? 0) > 0;
  }

  /**
   * Every generated position of the first statement of `line` (or of the next original line that
   * has code), in generated order: a bundle of prepared files, an inlining minifier or a
   * compiler copying a `finally` block holds one line in several places, only one of which may run.
   */
  generatedPlacesFor(source: string, line: number): { line: number; column: number }[] {
    const places = this.lineFor(source, line)?.mappings.places ?? [];
    return this.runningText === undefined ? places : places.map((p) => this.running(p));
  }

  /** A written position in the running text; left as it is where that text holds no such code. */
  private running(at: { line: number; column: number }): { line: number; column: number } {
    return this.runningText?.running(at) ?? at;
  }

  /** A running position in the code as written. */
  private written(line: number, column: number): { line: number; column: number } {
    const at = { line, column: Math.max(0, column) };
    return this.runningText === undefined ? at : this.runningText.written(at);
  }

  private lineFor(source: string, line: number): { originalLine: number; mappings: LineMappings } | undefined {
    const index = this.byPath.get(source);
    if (index === undefined) return undefined;
    const lines = this.index().get(index);
    if (lines === undefined) return undefined;
    let best: number | undefined;
    for (const original of lines.keys()) if (original >= line && (best === undefined || original < best)) best = original;
    if (best === undefined) return undefined;
    return { originalLine: best, mappings: lines.get(best)! };
  }

  /** 1-based line, 0-based column in the generated script → the original position. */
  originalFor(line: number, column: number): OriginalPosition | undefined {
    const at = this.written(line, column);
    let found = originalPositionFor(this.map, at);
    // Column 0 is a line given alone (a prepared exception site caught in a function stands for its
    // first line): on an indented line, a class method's, no mapping starts there, and the line's
    // first code is what it means.
    if (found.source === null && column === 0) found = originalPositionFor(this.map, { ...at, bias: LEAST_UPPER_BOUND });
    if (found.source === null) return undefined;
    const file = this.pathOf.get(found.source) ?? found.source;
    return { file, line: found.line, column: found.column };
  }

  /** The name the source recorded for the identifier at a generated position (1-based line, 0-based column). */
  originalNameFor(line: number, column: number): string | undefined {
    return originalPositionFor(this.map, this.written(line, column)).name ?? undefined;
  }

  private index(): Map<number, Map<number, LineMappings>> {
    if (this.lineIndex !== undefined) return this.lineIndex;
    const index = new Map<number, Map<number, LineMappings>>();
    const sourceIndex = new Map(this.map.resolvedSources.map((s, i) => [s, i]));
    eachMapping(this.map, (m) => {
      if (m.source === null || m.originalLine === null) return;
      const i = sourceIndex.get(m.source);
      if (i === undefined) return;
      let lines = index.get(i);
      if (lines === undefined) index.set(i, (lines = new Map()));
      const known = lines.get(m.originalLine);
      const place = { line: m.generatedLine, column: m.generatedColumn };
      if (known === undefined) {
        lines.set(m.originalLine, { first: place, column: m.originalColumn, places: [place] });
        return;
      }
      // Mappings come in generated order: the first one of a line is its earliest generated position.
      // The line's first statement starts at its least original column; its other columns are later statements or inner tokens.
      if (m.originalColumn < known.column) {
        known.column = m.originalColumn;
        known.places = [place];
      } else if (m.originalColumn === known.column) known.places.push(place);
    });
    this.lineIndex = index;
    return index;
  }
}

/** One original line in the generated script: its earliest position, and every place of its first statement (its least original column). */
interface LineMappings {
  first: { line: number; column: number };
  column: number;
  places: { line: number; column: number }[];
}

/** A page's map is fetched over HTTP; these bound how long and how much. */
const FETCH_TIMEOUT_MS = 10_000;
const MAX_MAP_BYTES = 64 * 1024 * 1024;

/** How users know a source the map names, when not by its path (`script` is the generated file's). */
export type SourceNaming = (source: string, script: string) => string;

/**
 * Loads the map a script points at (`//# sourceMappingURL=`): inline data URLs, files
 * relative to the script, or, for a page's script, URLs relative to it.
 * Throws SourceMapError saying exactly what is missing.
 */
export async function loadSourceMap(scriptPath: string, sourceMapURL: string, naming?: SourceNaming): Promise<ScriptSourceMap> {
  const named = naming === undefined ? undefined : (source: string) => naming(source, scriptPath);
  const web = isWebUrl(scriptPath);
  if (sourceMapURL.startsWith('data:')) {
    return parseMap(
      scriptPath,
      inlineMapText(sourceMapURL),
      web ? scriptPath : pathToFileURL(scriptPath).href,
      `the inline source map of ${scriptPath}`,
      named,
    );
  }
  if (web) {
    const mapUrl = new URL(sourceMapURL, scriptPath).href;
    return parseMap(scriptPath, await fetchMap(scriptPath, mapUrl), mapUrl, mapUrl, named);
  }
  const mapPath = mapFilePath(scriptPath, sourceMapURL);
  let text: string;
  try {
    text = await readFile(mapPath, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : (err as Error).message;
    throw new SourceMapError(`${scriptPath} names the source map ${mapPath}, but ${reason}; deploy the .map files next to the scripts`);
  }
  return parseMap(scriptPath, text, pathToFileURL(mapPath).href, mapPath, named);
}

async function parseMap(
  scriptPath: string,
  text: string,
  mapUrl: string,
  what: string,
  naming: ((source: string) => string) | undefined,
): Promise<ScriptSourceMap> {
  let map: TraceMap;
  try {
    // A sectioned (index) map, one section per module, is what Turbopack writes (Next 16's
    // `next build`, `next dev --turbopack`): flattened into one, as a plain map reads.
    map = new FlattenMap(text, mapUrl);
  } catch (err) {
    throw new SourceMapError(`${what} is not a valid source map: ${(err as Error).message}`);
  }
  if (isWebUrl(scriptPath)) return new ScriptSourceMap(map, naming, await bundledSources(scriptPath, map));
  const chained = await throughBuiltSources(map, mapUrl);
  const read = new ScriptSourceMap(chained.map, naming, await bundledSources(scriptPath, chained.map));
  read.untraced = chained.untraced;
  return read;
}

/** The paths of the sources the map names by a bundler's own URLs (webpack://), read from the project's folder. */
async function bundledSources(scriptPath: string, map: TraceMap): Promise<Map<number, string | null> | undefined> {
  const relatives = new Map<number, string | null>();
  map.sources.forEach((source, index) => {
    const read = source === null ? undefined : bundlerSource(source, map.sourceRoot);
    if (read !== undefined) relatives.set(index, read.kind === 'own' ? null : read.relative);
  });
  if (relatives.size === 0) return undefined;
  const root = await bundleRoot(
    scriptPath,
    [...relatives.values()].filter((r) => r !== null),
  );
  for (const [index, relative] of relatives) if (relative !== null) relatives.set(index, underRoot(root, relative));
  return relatives;
}

async function fetchMap(scriptUrl: string, mapUrl: string): Promise<string> {
  const missing = (reason: string): SourceMapError =>
    new SourceMapError(`${scriptUrl} names the source map ${mapUrl}, but ${reason}; serve the .map files next to the scripts`);
  let response: Response;
  try {
    response = await fetch(mapUrl, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (err) {
    throw missing(`it could not be fetched (${(err as Error).message})`);
  }
  if (!response.ok) throw missing(`it answered HTTP ${response.status}`);
  if (Number(response.headers.get('content-length') ?? 0) > MAX_MAP_BYTES) throw missing(`it is larger than ${MAX_MAP_BYTES} bytes`);
  const text = await response.text();
  if (text.length > MAX_MAP_BYTES) throw missing(`it is larger than ${MAX_MAP_BYTES} bytes`);
  return text;
}

function isWebUrl(text: string): boolean {
  return text.startsWith('http://') || text.startsWith('https://');
}
