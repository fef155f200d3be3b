/**
 * Two-stage builds: a map whose source is itself built, with a map of its own. SvelteKit's
 * adapter-node bundles Vite's server output again with Rollup, which does not read the maps of its
 * input: the running chunk's map names `.svelte-kit/output/server/…/_server.ts.js`, and only that
 * file's map names the `+server.ts` or `.svelte` the user reads. Read alone, the outer map left
 * every line of the app's source unreachable (`no loaded script holds it`) and stacks named the
 * intermediate files. A deploy that leaves the intermediate files out (`build/` without
 * `.svelte-kit/output/`) keeps the outer map alone; what was missing is kept to say so.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import remapping from '@jridgewell/remapping';
import { encodedMappings, FlattenMap, TraceMap, type EncodedSourceMap } from '@jridgewell/trace-mapping';
import { inlineMapText, mapFilePath } from './inline-map.js';
import { lastSourceMappingURL } from './map-comment.js';

/** A bundle of bundles is rare; deeper chains than this are read as far as this goes. */
const MAX_DEPTH = 4;

/** A map traced through its built sources' maps; `untraced`: why a built source's own map could not be read, one sentence each. */
export interface ChainedMap {
  map: TraceMap;
  untraced: string[];
}

/**
 * The map traced through the maps of its built sources to the sources they name, or the map
 * itself when no source has one. Only JavaScript sources outside node_modules are followed: a
 * package's own `dist` map names sources it rarely ships, and its built files are what stacks and
 * actions name today.
 */
export async function throughBuiltSources(map: TraceMap, mapUrl: string): Promise<ChainedMap> {
  const found = new Map<string, EncodedSourceMap>();
  const untraced: string[] = [];
  await collect(map, found, untraced, 1);
  if (found.size === 0) return { map, untraced };
  const root = absoluteSources(map);
  const traced = remapping(root, (source) => found.get(source) ?? null);
  return { map: new TraceMap(traced as EncodedSourceMap, mapUrl), untraced };
}

async function collect(map: TraceMap, found: Map<string, EncodedSourceMap>, untraced: string[], depth: number): Promise<void> {
  await Promise.all(
    map.resolvedSources.map(async (source, index) => {
      if (found.has(source) || !isBuiltSource(source)) return;
      const inner = await mapOf(fileURLToPath(source), map.sourcesContent?.[index] ?? undefined);
      if (typeof inner === 'string') untraced.push(inner);
      if (inner === undefined || typeof inner === 'string') return;
      found.set(source, absoluteSources(inner));
      if (depth < MAX_DEPTH) await collect(inner, found, untraced, depth + 1);
    }),
  );
}

function isBuiltSource(source: string): boolean {
  return source.startsWith('file://') && /\.[cm]?js$/.test(source) && !source.includes('/node_modules/');
}

/**
 * The map a built source's text names, read as its own file would be; undefined when it names
 * none, and why when the text or the map it names cannot be read.
 */
async function mapOf(path: string, embedded: string | undefined): Promise<TraceMap | string | undefined> {
  const text = embedded ?? (await readFile(path, 'utf8').catch((err: unknown) => err as NodeJS.ErrnoException));
  if (typeof text !== 'string') return `${path} (a built file a map names as its source) ${unreadable(text)}; ${deploy(path)}`;
  // The whole text: an inline map (the comment and its data: URL) is often longer than any tail read alone.
  const url = lastSourceMappingURL(text);
  if (url === undefined) return undefined;
  if (url.startsWith('data:')) {
    try {
      return new FlattenMap(inlineMapText(url), pathToFileURL(path).href);
    } catch (err) {
      return `the inline source map of the built file ${path} is not a valid source map: ${(err as Error).message}`;
    }
  }
  const mapPath = mapFilePath(path, url);
  let mapText: string;
  try {
    mapText = await readFile(mapPath, 'utf8');
  } catch (err) {
    return `${path} (a built file a map names as its source) names its source map ${mapPath}, but ${unreadable(err as NodeJS.ErrnoException)}; ${deploy(path)}`;
  }
  try {
    // Sectioned or not, as the script's own map (source-maps.ts).
    return new FlattenMap(mapText, pathToFileURL(mapPath).href);
  } catch (err) {
    return `${mapPath} is not a valid source map: ${(err as Error).message}`;
  }
}

function unreadable(err: NodeJS.ErrnoException): string {
  return err.code === 'ENOENT' ? 'that file does not exist' : `it cannot be read (${err.message})`;
}

/** What to deploy so that an intermediate file's map is read: SvelteKit's whole `.svelte-kit/output`, else the file's folder. */
function deploy(path: string): string {
  const stage = /^(.*\/\.svelte-kit\/output)\//.exec(path)?.[1] ?? dirname(path);
  return `deploy ${stage} (the first build stage's output, with its .map files) beside the running build so that the sources it was built from can be probed`;
}

/** The map with its sources as absolute URLs, so that each one names the same file at every depth. */
function absoluteSources(map: TraceMap): EncodedSourceMap {
  return {
    version: 3,
    file: map.file,
    names: map.names,
    sources: map.resolvedSources,
    sourcesContent: map.sourcesContent,
    mappings: encodedMappings(map),
    ignoreList: map.ignoreList,
  } as EncodedSourceMap;
}
