/**
 * The source map of the code as written, for a file `liveprobe prepare` wrote: the kept input's
 * own map. Stack frames through a prepared file are remapped to the code as written
 * (stack-traces.ts), and the map Node holds for the file is the composed one, whose positions are
 * the prepared text's; read through it, a frame of a minified bundle (one line, where columns are
 * all there is) names the wrong line. Read synchronously, once per file, when a stack formatted
 * with source maps first passes through it: Node reads maps at load under the same flag.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inlineMapText } from '../locate/inline-map.js';
import { lastSourceMappingURL } from '../prepare/map-comment.js';

type Payload = ConstructorParameters<typeof SourceMap>[0] & { sourceRoot?: string };

const read = new Map<string, SourceMap | null>();

export function writtenSourceMap(keptInput: string): SourceMap | undefined {
  let map = read.get(keptInput);
  if (map === undefined) {
    map = readMap(keptInput);
    read.set(keptInput, map);
  }
  return map ?? undefined;
}

function readMap(keptInput: string): SourceMap | null {
  try {
    const url = lastSourceMappingURL(readFileSync(keptInput, 'utf8'));
    if (url === undefined) return null;
    const inline = url.startsWith('data:');
    const mapPath = inline ? keptInput : url.startsWith('file:') ? fileURLToPath(url) : resolve(dirname(keptInput), url);
    const payload = JSON.parse(inline ? inlineMapText(url) : readFileSync(mapPath, 'utf8')) as Payload;
    // Sources are read as Node reads them at load: the sourceRoot before each, relative to the map's own URL.
    const base = pathToFileURL(mapPath);
    return new SourceMap({ ...payload, sources: payload.sources.map((source) => new URL((payload.sourceRoot ?? '') + source, base).href) });
  } catch {
    // An unreadable map leaves the frame as it is, as Node does: a stack must never throw.
    return null;
  }
}
