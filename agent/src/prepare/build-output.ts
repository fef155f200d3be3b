/**
 * Preparing a file at build time (`liveprobe prepare`), so production starts with no transform
 * and no cache. The output is the load-time transform's, with a header that works with or
 * without the agent: with it, the file binds its flag tables through `$lpPrepared` exactly as a
 * file prepared at load time; without it, every flag is a literal zero and the file behaves as
 * the input. The sites, flag counts and position map travel with the file (CommonJS: a hoisted
 * function after the code; ESM: a flags module beside it, which has no imports, so import cycles
 * between prepared modules still work). Pure: reading and writing files is the caller's.
 */
import { TraceMap } from '@jridgewell/trace-mapping';
import { bundlerSource, writtenSource } from '../locate/bundler-urls.js';
import { composedMap, type SourceMapJson } from './composed-map.js';
import type { PreparedOutput } from './prepared-output.js';
import { EXPORTED_BINDINGS, REGISTRY_GLOBAL, UNBOUND_EXCEPTION_SITES } from './prepared-messages.js';
import { buildData, COMMONJS_DATA, MODULE_DATA } from './build-data.js';
import { lineCountOf } from './text-builder.js';
import { prepareSource, type SourceParser } from './transform.js';
import { PREBUILT_BANNER, PREBUILT_FLAGS_SUFFIX, PREBUILT_MAP_SUFFIX, PREBUILT_ORIGINAL_SUFFIX } from './prebuilt.js';

export interface BuildInput {
  /** The input's text. */
  source: string;
  kind: 'module' | 'commonjs';
  /** The file's base name (`server.js`): its companions are named after it. */
  name: string;
  /**
   * The input's own source map, when its `//# sourceMappingURL=` names one: its JSON, where it
   * was read from (to resolve its sources), and how the output should name each resolved source.
   */
  inputMap?: { json: string; url: string; sourceName(resolved: string): string };
  /** acorn by default; the CLI passes oxc-parser where it is faster (cli/src/prepare/oxc-parse.ts): same output. */
  parser?: SourceParser;
}

export interface BuildOutput {
  /** The prepared file. */
  code: string;
  /** `<name>.lp.map`: prepared positions → the original source, through the input's own map. */
  map: SourceMapJson;
  /** `<name>.lp-flags.mjs`, for an ES module: its flag tables. */
  flagsModule?: string;
  /** `<name>.lp-original`: the input as it was, which the agent reads to place actions (and the map names when the input has none). */
  original: string;
  output: PreparedOutput;
}

/** Each of the file's own source map comments: the prepared file names its composed map instead. */
const MAP_COMMENT = /^[ \t]*\/\/[#@] sourceMappingURL=\S*[ \t]*$/gm;

/** Throws PrepareError when the input cannot be parsed or prepared. */
export function prepareForBuild(input: BuildInput): BuildOutput {
  const header = input.kind === 'module' ? moduleHeader(input.name) : commonJsHeader();
  const output = prepareSource(input.source, {
    kind: input.kind,
    header,
    banner: PREBUILT_BANNER,
    ...(input.parser === undefined ? {} : { parser: input.parser }),
  });
  const code = withoutMapComments(output.code);
  // The lines V8 counts (LF, CR, CRLF, LS, PS).
  const lines = lineCountOf(code);
  // The agent places actions through the composed map too: its lines are the input's lines.
  const mapName = encodeURIComponent(input.name + PREBUILT_MAP_SUFFIX);
  const data = buildData(output, mapName);
  const sites = output.sites.length / 3;
  const trailer = input.kind === 'module' ? '' : `\n${commonJsData(data, sites)}`;
  const traced = input.inputMap === undefined ? undefined : new TraceMap(input.inputMap.json, input.inputMap.url);
  const map = composedMap({
    file: input.name,
    lines,
    positions: output.map,
    source: input.source,
    originalName: input.name + PREBUILT_ORIGINAL_SUFFIX,
    ...(traced === undefined ? {} : { inputMap: { map: traced, sources: composedSources(traced, input.inputMap!.sourceName) } }),
  });
  return {
    code: `${code}${trailer}\n//# sourceMappingURL=${mapName}\n`,
    map,
    ...(input.kind === 'module' ? { flagsModule: flagsModule(data, sites) } : {}),
    original: input.source,
    output,
  };
}

/**
 * `code` without its own source map comments. The pattern runs from the line of the first
 * `sourceMappingURL=` on (usually the last line), not over the whole prepared text, ~5× the input.
 */
function withoutMapComments(code: string): string {
  const first = code.indexOf('sourceMappingURL=');
  if (first === -1) return code;
  let lineStart = first;
  while (lineStart > 0 && !isLineBreak(code.charCodeAt(lineStart - 1))) lineStart--;
  return code.slice(0, lineStart) + code.slice(lineStart).replace(MAP_COMMENT, '');
}

function isLineBreak(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

/**
 * Reads no global the app can replace: `$lpPrepared` is defined non-writable by the agent
 * before the app runs, and `typeof` of an undeclared name does not throw. An agent older than
 * this transform has no C (its H takes a counter site's number) or no K (it never sets
 * COUNT_IN_PLACE, and ignores the 8th argument, which tells this agent the sites count in K). The
 * 9th is the packed position table (build-data.ts), which an agent before build17 ignores too,
 * as one before tail18 ignores the 10th and 11th, the packed sites and the site names' text.
 */
function commonJsHeader(): string {
  return (
    `const $lpd = $lpD(), $lp = typeof ${REGISTRY_GLOBAL} === "function" ? ${REGISTRY_GLOBAL}(__filename, $lpd[0], $lpd[1], $lpd[2], $lpd[3], 1, $lpd[4], 1, $lpd[5], $lpd[6], $lpd[7]) : $lpZ($lpd), ` +
    '$lpF = $lp.F, $lpS = $lp.S, $lpH = $lp.H, $lpC = $lp.C || $lp.H, $lpK = $lp.K || [], $lpX = $lp.X, $lpT = $lp.T, $lpW = $lp.W;'
  );
}

/** Hoisted, so the header on the first line can call them. Without the agent, `sites` zero flags (the data's are packed). */
function commonJsData(data: string, sites: number): string {
  return `${COMMONJS_DATA}${data}; }\nfunction $lpZ(d) { ${ZEROS} return { F: z(d[1]), S: z(${sites}), H: function () {}, C: function () {}, ${UNBOUND_EXCEPTION_SITES} }; }`;
}

const ZEROS = 'const z = (n) => { const a = []; for (let i = 0; i < n; i++) a[i] = 0; return a; };';

function moduleHeader(name: string): string {
  return `import { $lpF, $lpS, $lpH, $lpC, $lpK, $lpX, $lpT, $lpW } from ${JSON.stringify(`./${encodeURIComponent(name)}${PREBUILT_FLAGS_SUFFIX}`)};`;
}

/** The agent strips the suffix from the flags module's URL to name the prepared module. */
function flagsModule(data: string, sites: number): string {
  return [
    `${PREBUILT_BANNER}${MODULE_DATA}${data};`,
    ZEROS,
    `const lp = typeof ${REGISTRY_GLOBAL} !== "function" ? { F: z(d[1]), S: z(${sites}), H: function () {}, C: function () {}, ${UNBOUND_EXCEPTION_SITES} }`,
    `  : ${REGISTRY_GLOBAL}(import.meta.url, d[0], d[1], d[2], d[3], 1, d[4], 1, d[5], d[6], d[7]);`,
    EXPORTED_BINDINGS,
    '',
  ].join('\n');
}

/**
 * How the composed map names the input map's sources: resolved and named by the caller, but a
 * bundler's own URL (`webpack://shop/./src/x.ts`) as the input wrote it, since resolving drops the
 * `./` that marks where its project path starts (bundler-sources.ts).
 */
function composedSources(traced: TraceMap, sourceName: (resolved: string) => string): string[] {
  return traced.resolvedSources.map((resolved, i) => {
    const raw = traced.sources[i];
    return raw != null && bundlerSource(raw, traced.sourceRoot) !== undefined
      ? writtenSource(raw, traced.sourceRoot)
      : sourceName(resolved);
  });
}
