/**
 * How a file prepared at build time (`liveprobe prepare`) is recognised and named. Its first
 * comment says it is prepared, so the load-time loaders leave it as it is (its header binds it
 * to the agent) and a second `liveprobe prepare` skips it; its companions are named after it.
 */
import { fileURLToPath } from 'node:url';

export const PREBUILT_BANNER = '/*liveprobe:prepared*/';
/** An ES module's flag tables (a module with no imports). */
export const PREBUILT_FLAGS_SUFFIX = '.lp-flags.mjs';
/** The input as it was: where the agent reads the code it places actions in. */
export const PREBUILT_ORIGINAL_SUFFIX = '.lp-original';
/** The composed source map. */
export const PREBUILT_MAP_SUFFIX = '.lp.map';

const BANNER_FIRST = /^(?:#![^\n\r\u2028\u2029]*(?:\r\n?|[\n\u2028\u2029]))?\/\*liveprobe:prepared\*\//;

/** Whether the text is a file, or an ES module's flags module, that `liveprobe prepare` wrote. */
export function isPrebuilt(source: string): boolean {
  return BANNER_FIRST.test(source);
}

const MODULE_FIRST = new RegExp(`${BANNER_FIRST.source}import \\{ \\$lpF,`);

/**
 * Whether the text is an ES module that `liveprobe prepare` wrote: its flags module (build-output.ts's
 * header import) runs before it, so its sites are bound before its own code runs.
 */
export function isPrebuiltModule(source: string): boolean {
  return MODULE_FIRST.test(source);
}

/** The prepared script a flags module belongs to (its URL without the suffix), or the name as given. */
export function prebuiltScript(name: string): string {
  return name.endsWith(PREBUILT_FLAGS_SUFFIX) ? name.slice(0, -PREBUILT_FLAGS_SUFFIX.length) : name;
}

/**
 * The file the user knows for a source a composed map names: `x.js` for its `x.js.lp-original`
 * (an input without a map of its own), so snapshot stacks name the file users put actions on.
 */
export function shownSource(position: { file: string; line: number; column: number }): { file: string; line: number; column: number } {
  return position.file.endsWith(PREBUILT_ORIGINAL_SUFFIX)
    ? { ...position, file: position.file.slice(0, -PREBUILT_ORIGINAL_SUFFIX.length) }
    : position;
}

/**
 * A source a bundle's map names by a prepared file's kept input (`pricing.js.lp-original`: a
 * bundle of files `liveprobe prepare` wrote) is known by the file users read and name
 * (`pricing.js`). The prepared file's own map keeps the name: there the input is the script itself.
 */
export function keptSourceName(source: string, script: string): string {
  if (!source.endsWith(PREBUILT_ORIGINAL_SUFFIX)) return source;
  return keptInputPath(script) === source ? source : source.slice(0, -PREBUILT_ORIGINAL_SUFFIX.length);
}

/** Where a prepared script (by path or `file:` URL) keeps its input: the file beside it. */
export function keptInputPath(script: string): string {
  return (script.startsWith('file:') ? fileURLToPath(script) : script) + PREBUILT_ORIGINAL_SUFFIX;
}
