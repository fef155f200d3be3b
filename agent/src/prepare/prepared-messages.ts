/**
 * Messages on the prepared-sites channel between the app's main thread and the agent's worker
 * (separate from the probe hook's channel). Plain objects only.
 */
import type { PrepareOutcome } from './prepare-file.js';
import type { PatternMiss } from './prepare-settings.js';

/** main → worker: a prepared file was loaded; its sites can take actions. */
export interface PreparedFileLoaded {
  t: 'file';
  /** The registry's index for the file. */
  file: number;
  /** A path (CommonJS) or a file URL (ESM), as V8 names the script. */
  path: string;
  /**
   * Flat triples `[line, column, functionFlag]`, see PreparedOutput.sites: in shared memory, so
   * that posting them copies nothing (a list of numbers is cloned number by number).
   */
  sites: ArrayLike<number>;
  /**
   * The file's position table in shared memory (packed-table.ts), for a breakpoint in a twinned
   * function: the memory the app's thread reads for stack traces; absent only when that memory
   * could not be had (the worker then finds the table itself, position-tables.ts).
   */
  table?: Int32Array;
  /** The file's own source map, as its `//# sourceMappingURL=` names it. */
  sourceMappingURL?: string;
  /** Prepared at build time: the input as it was is beside it (prebuilt.ts), and its map is the composed one. */
  prebuilt?: true;
  /**
   * The file's function and site flags, in shared memory: the worker turns an action's flags on
   * itself, at once, so a site the app reaches right after (a module's first lines, as it loads)
   * already fires; the main thread takes the `flags` message it posted just before on that hit.
   */
  F: Uint8Array;
  S: Uint8Array;
  /**
   * By site: its hits while its flag read COUNT_IN_PLACE (only plain counters on it), added by the
   * thread that runs the file and by nothing else, modulo 2^32. The worker reads the differences.
   */
  K: Int32Array;
}

/** worker → main: turn an action's sites on or off. `roots` name the values its expressions read. */
export interface PreparedFlags {
  t: 'flags';
  file: number;
  key: number;
  roots: string[];
  sites: number[];
  on: boolean;
}

/**
 * How one file fared: hooks thread → main for ES modules, then main → worker for every file
 * (the start-up report on the main thread, the agent's status from the worker).
 */
export interface PreparedOutcomeReport {
  t: 'outcome';
  path: string;
  kind: 'prepared' | 'cached' | 'failed';
  reason?: string;
  ms: number;
  bytes: number;
}

/** hooks thread → main: an ES module's packed position table (prepare-file.ts), for its announcement to the worker. */
export interface ModuleTable {
  t: 'table';
  url: string;
  table: Int32Array;
}

/** hooks thread → main: a module a pattern reaches but does not prepare (prepare-settings.ts). */
export type PatternMissReport = PatternMiss & { t: 'missed' };

/** The outcome without the prepared output, which stays where the file loads. */
export function outcomeReport(path: string, outcome: PrepareOutcome): PreparedOutcomeReport {
  return {
    t: 'outcome',
    path,
    kind: outcome.kind,
    ms: outcome.ms,
    bytes: outcome.bytes,
    ...(outcome.kind === 'failed' ? { reason: outcome.reason } : {}),
  };
}

/** main → worker: a file prepared at build time (`liveprobe prepare`) bound to the agent as it loaded. */
export interface PrebuiltFileReport {
  t: 'outcome';
  path: string;
  kind: 'prebuilt';
}

export type PreparedToWorker = PreparedFileLoaded | PreparedOutcomeReport | PrebuiltFileReport;
export type PreparedToMain = PreparedFlags;

/**
 * The global function a prepared file's header (or flags module) calls to bind its flag tables.
 * A bare name, defined non-writable and non-configurable before the app runs: the inserted code
 * looks up nothing the app can replace (`Symbol`, `Object`, `Function.prototype.call`…).
 */
export const REGISTRY_GLOBAL = '$lpPrepared';

/** ESM files import their flags from this scheme, served by the loader hooks. */
export const FLAGS_SCHEME = 'liveprobe-prepared:';

/**
 * `$lpW` of a prepared file no agent binds (`throw new $lpW(e, …)`): an object thrown goes on as
 * it is (`new` gives the object a function returns), anything else is thrown again. Headers write
 * this text; the agent compiles the same text for the files it leaves unbound (main/unbound-flags.ts).
 */
export const UNBOUND_THROW = "function (e) { if ((typeof e === 'object' && e !== null) || typeof e === 'function') return e; throw e; }";

/** A prepared file without the agent: the exception flag stays off, and `new $lpW(e)` gives back `e` (throws it, for a primitive). */
export const UNBOUND_EXCEPTION_SITES = `X: [0], T: function () {}, W: ${UNBOUND_THROW}`;

/**
 * What an ES module's flags module exports, from its `lp`. A file prepared at build time may run
 * under an agent older than its transform: one without C takes a counter site's number in H; one
 * without K never sets COUNT_IN_PLACE, so the file's sites never add to the stand-in.
 */
export const EXPORTED_BINDINGS =
  'export const $lpF = lp.F, $lpS = lp.S, $lpH = lp.H, $lpC = lp.C || lp.H, $lpK = lp.K || [], $lpX = lp.X, $lpT = lp.T, $lpW = lp.W;';

export function commonJsHeader(): string {
  return `const $lp = ${REGISTRY_GLOBAL}(__filename), $lpF = $lp.F, $lpS = $lp.S, $lpH = $lp.H, $lpC = $lp.C, $lpK = $lp.K, $lpX = $lp.X, $lpT = $lp.T, $lpW = $lp.W;`;
}

export function moduleHeader(url: string): string {
  return `import { $lpF, $lpS, $lpH, $lpC, $lpK, $lpX, $lpT, $lpW } from ${JSON.stringify(FLAGS_SCHEME + encodeURIComponent(url))};`;
}
