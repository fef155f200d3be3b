/**
 * Two-stage builds: a map whose source is itself built, with a map of its own. SvelteKit's
 * adapter-node bundles Vite's server output again with Rollup, which does not read the maps of its
 * input: the running chunk's map names `.svelte-kit/output/server/…/_server.ts.js`, and only that
 * file's map names the `+server.ts` or `.svelte` the user reads. Read alone, the outer map left
 * every line of the app's source unreachable (`no loaded script holds it`) and stacks named the
 * intermediate files.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import remapping from '@jridgewell/remapping';
import { encodedMappings, TraceMap, type EncodedSourceMap } from '@jridgewell/trace-mapping';
import { inlineMapText, mapFilePath } from './inline-map.js';

/** A bundle of bundles is rare; deeper chains than this are read as far as this goes. */
const MAX_DEPTH = 4;

/** The last `//# sourceMappingURL=` a file's text ends with. */
const MAP_COMMENT = /\/\/[#@] sourceMappingURL=(\S+)\s*$/;

/**
 * The map traced through the maps of its built sources to the sources they name, or the map
 * itself when no source has one. Only JavaScript sources outside node_modules are followed: a
 * package's own `dist` map names sources it rarely ships, and its built files are what stacks and
 * actions name today.
 */
export async function throughBuiltSources(map: TraceMap, mapUrl: string): Promise<TraceMap> {
  const found = new Map<string, EncodedSourceMap>();
  await collect(map, found, 1);
  if (found.size === 0) return map;
  const root = absoluteSources(map);
  const traced = remapping(root, (source) => found.get(source) ?? null);
  return new TraceMap(traced as EncodedSourceMap, mapUrl);
}

async function collect(map: TraceMap, found: Map<string, EncodedSourceMap>, depth: number): Promise<void> {
  await Promise.all(
    map.resolvedSources.map(async (source, index) => {
      if (found.has(source) || !isBuiltSource(source)) return;
      const inner = await mapOf(fileURLToPath(source), map.sourcesContent?.[index] ?? undefined);
      if (inner === undefined) return;
      found.set(source, absoluteSources(inner));
      if (depth < MAX_DEPTH) await collect(inner, found, depth + 1);
    }),
  );
}

function isBuiltSource(source: string): boolean {
  return source.startsWith('file://') && /\.[cm]?js$/.test(source) && !source.includes('/node_modules/');
}

/** The map a built source's text names, read as its own file would be; undefined when none can be read. */
async function mapOf(path: string, embedded: string | undefined): Promise<TraceMap | undefined> {
  const text = embedded ?? (await readFile(path, 'utf8').catch(() => undefined));
  const url = text === undefined ? undefined : MAP_COMMENT.exec(text.slice(-4096))?.[1];
  if (url === undefined) return undefined;
  try {
    if (url.startsWith('data:')) return new TraceMap(inlineMapText(url), pathToFileURL(path).href);
    const mapPath = mapFilePath(path, url);
    return new TraceMap(await readFile(mapPath, 'utf8'), pathToFileURL(mapPath).href);
  } catch {
    // An unreadable inner map leaves that source as the outer map names it, as before.
    return undefined;
  }
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
