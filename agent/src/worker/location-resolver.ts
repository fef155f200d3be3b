/**
 * Turns the `file:line` a user names (as they see it: TypeScript, any path prefix) into a
 * generated script position, through source maps when the script has one (docs/architecture.md §4).
 */
import { WAITING_FOR_SCRIPT } from '@liveprobe/protocol';
import type { InspectorSession, LoadedScript } from './inspector-session.js';
import type { Placement } from './probe-state.js';
import { inDependency } from '../locate/app-code.js';
import { evalModulePath, matchScript, normalizeRequested } from '../locate/script-match.js';
import { sourceInPackage } from '../locate/package-source.js';
import { shownSourcePath } from '../locate/source-shown.js';
import { sourceOnDisk } from '../locate/unloaded-source.js';
import { loadSourceMap, SourceMapError, type RunningText, type ScriptSourceMap } from '../locate/source-maps.js';
import { keptSourceName, shownSource } from '../prepare/prebuilt.js';
import { Recent } from './recent.js';
import { UnfollowedCode } from './unfollowed-code.js';

export interface ResolvedLocation {
  script: LoadedScript;
  map: ScriptSourceMap | undefined;
  /** Where the breakpoint goes in the generated script. */
  generated: { line: number; column: number | undefined };
  /** Other generated places of the same line, in generated order (source-maps.ts generatedPlacesFor); sites.ts keeps those that run apart. */
  elsewhere: { line: number; column: number }[];
  /** The user's source file (as the map names it) and the line that has code (the requested one or the next). */
  file: string;
  line: number;
  /** `file` as statuses and hits name it: as the action names it when the map's path is not one on this machine (source-shown.ts). */
  shown: string;
}

/** Why an action cannot be placed; `waiting` means a script loaded later may still match. */
export class LocationError extends Error {
  override name = 'LocationError';
  constructor(
    message: string,
    readonly waiting: boolean,
  ) {
    super(message);
  }
}

/**
 * Parsed maps kept, by count and by their estimated heap (ScriptSourceMap.estimatedBytes): a
 * resolve needs one map, a stack a handful, while an app compiled by tsc loads hundreds of
 * scripts with a map each; a map let go is read again when asked for.
 */
const MAPS_KEPT = 32;
const MAP_BYTES_KEPT = 32 * 1024 * 1024;

/** What a resolve needs of every script's map to find the one that holds a source: its sources' paths, or why it does not read. */
type SourceList = ReadonlySet<string> | SourceMapError;

/** A script holding a path; `source`: the map's own name of a source known here by another path (package-source.ts). */
type Candidate = { script: LoadedScript; sources: ReadonlySet<string> | undefined; source?: string };

/** What resolve() scanned the loaded scripts for. */
interface Scan {
  candidates: Map<string, Candidate[]>;
  mapErrors: string[];
  brokenChains: string[];
}

export class LocationResolver {
  /** Kept for every script that has a map, until its page goes or the session closes: small. */
  private readonly sourceLists = new Map<string, Promise<SourceList>>();
  private readonly maps = new Recent<string, ScriptSourceMap>(MAPS_KEPT, MAP_BYTES_KEPT, (map) => map.estimatedBytes);
  /** Reads of maps in flight, shared by the callers that ask for the same script's map meanwhile. */
  private readonly loading = new Map<string, Promise<ScriptSourceMap | SourceMapError>>();
  private readonly unfollowed: UnfollowedCode;
  /** Per script, why a built source its map names could not be traced on (chained-maps.ts): said when a source matches no script. */
  private readonly brokenChains = new Map<string, readonly string[]>();

  /** `runningText`: for a script prepared as it loads, how its text places the code its map reads (prepared-sites.ts). */
  constructor(
    private readonly session: InspectorSession,
    private readonly runningText: (script: LoadedScript) => Promise<RunningText | undefined> = async () => undefined,
  ) {
    this.unfollowed = new UnfollowedCode(session);
  }

  /**
   * Every loaded script holding the file: a bundler may put one source into several scripts
   * (Next.js bundles a module into each page that imports it and into shared chunks, each copy
   * run by whichever page loaded it), and the action goes into each copy that has code at the line.
   */
  async resolve(file: string, line: number): Promise<ResolvedLocation[]> {
    const wanted = normalizeRequested(file);
    // Only a path ending in the file's name can match it or be named as a similar file
    // (matchScript), so the first scan keeps those: with thousands of scripts loaded, a map of every
    // path was most of an install's work on the worker (docs/BENCHMARKS.md, install stall). Every
    // path is scanned for only when none ends so, to suggest one a typo away.
    const base = wanted.slice(wanted.lastIndexOf('/') + 1);
    const endsWithBase = (path: string): boolean =>
      path.endsWith(base) && (path.length === base.length || path[path.length - base.length - 1] === '/');
    let scan = await this.candidates(wanted, endsWithBase);
    let match = matchScript(file, scan.candidates.keys());
    if (match.kind === 'none' && match.similar.length === 0) {
      scan = await this.candidates(wanted, () => true);
      match = matchScript(file, scan.candidates.keys());
    }
    const { candidates, mapErrors, brokenChains } = scan;
    if (match.kind === 'ambiguous') {
      throw new LocationError(
        `\`${file}\` matches ${match.candidates.length} loaded files: ${match.candidates.join(', ')}; give more of the path`,
        false,
      );
    }
    if (match.kind === 'none') {
      const suggested = [...match.similar, ...match.close];
      // Only when no such file exists: one not loaded yet (a chunk loaded on first use) is the one meant.
      const onDisk = suggested.length > 0 ? await sourceOnDisk(wanted, suggested) : undefined;
      const similar =
        onDisk !== undefined
          ? `; ${onDisk} is on disk but no script loaded so far holds it (a bundler may load its chunk on first use, as Nitro loads a route's on its first request)`
          : match.similar.length > 0
            ? `; loaded files with the same name: ${match.similar.join(', ')}`
            : match.close.length > 0
              ? `; did you mean ${match.close.join(' or ')}?`
              : '';
      const maps = mapErrors.length > 0 ? `; ${mapErrors.length} source map(s) could not be read, e.g. ${mapErrors[0]}` : '';
      // First: where it holds, the chunk that would hold the file is loaded, but its map stops short of the sources.
      const chains =
        brokenChains.length > 0
          ? `; ${brokenChains.length} built file(s) that loaded scripts' maps name could not be traced on to the sources they were built from, e.g. ${brokenChains[0]}`
          : '';
      const wantsDependencies = wanted.includes('node_modules/');
      const inDependencies = wantsDependencies ? [] : await this.dependencySources(wanted);
      const dependency =
        inDependencies.length > 0
          ? `; a dependency's sources are searched only when the path names node_modules/: did you mean ${inDependencies.join(' or ')}?`
          : '';
      const hidden = similar === '' && maps === '' && chains === '' && dependency === '' ? await this.unfollowed.explain(wanted) : '';
      throw new LocationError(
        `no loaded script matches \`${wanted}\`${chains}${similar}${maps}${dependency}${hidden} ${WAITING_FOR_SCRIPT}`,
        true,
      );
    }
    const resolved: ResolvedLocation[] = [];
    let missing: LocationError | undefined;
    for (const entry of candidates.get(match.path)!) {
      try {
        resolved.push(await this.inScript(match.path, entry, wanted, line));
      } catch (err) {
        if (!(err instanceof LocationError)) throw err;
        missing ??= err;
      }
    }
    // A copy whose bundler dropped the line (tree-shaken from that page) is no place for it; one copy with code is enough.
    if (resolved.length === 0) throw missing!;
    return resolved;
  }

  /**
   * Whether a script's source map names `file`: a copy of it loaded after the action was placed
   * (`holders`: where it is placed now) takes it too. Asked of every script that loads while an
   * action is on breakpoints, so the map is read only when the script may be a copy (mayBeCopy).
   */
  async holds(script: LoadedScript, file: string, holders: readonly Pick<Placement, 'script' | 'bundled'>[]): Promise<boolean> {
    if (script.sourceMapURL === undefined || script.path.includes('/node_modules/')) return false;
    if (!mayBeCopy(script, file, holders)) return false;
    const sources = await this.sourcesOf(script);
    if (sources instanceof SourceMapError) return false;
    return matchScript(file, sources).kind === 'found';
  }

  /**
   * The paths of loaded scripts and of the sources their maps name that `keep` accepts, each with
   * the scripts holding it (in the order V8 reported them), and why maps or their chains did not read.
   */
  private async candidates(wanted: string, keep: (path: string) => boolean): Promise<Scan> {
    const wantsDependencies = wanted.includes('node_modules/');
    const candidates = new Map<string, Candidate[]>();
    const add = (path: string, entry: Candidate): void => {
      if (!keep(path)) return;
      const list = candidates.get(path);
      if (list === undefined) candidates.set(path, [entry]);
      else list.push(entry);
    };
    const mapErrors: string[] = [];
    const brokenChains: string[] = [];
    for (const script of [...this.session.all()]) {
      // Dependencies' maps are read only when the user names a dependency: there can be thousands.
      const readMap = script.sourceMapURL !== undefined && (wantsDependencies || !script.path.includes('/node_modules/'));
      const sources = readMap ? await this.sourcesOf(script) : undefined;
      const file = keep(script.path) && namedByOwnPath(script, wanted);
      if (sources instanceof SourceMapError) {
        mapErrors.push(sources.message);
        if (file) add(script.path, { script, sources: undefined });
        continue;
      }
      if (file) add(script.path, { script, sources });
      const chains = this.brokenChains.get(script.scriptId);
      if (chains !== undefined) brokenChains.push(...chains);
      for (const source of sources ?? []) {
        if (source === script.path) continue;
        add(source, { script, sources });
        const inPackage = sourceInPackage(script.path, source);
        if (inPackage !== undefined) add(inPackage, { script, sources, source });
      }
    }
    return { candidates, mapErrors, brokenChains };
  }

  private async inScript(
    path: string,
    { script, sources, source = path }: { script: LoadedScript; sources: ReadonlySet<string> | undefined; source?: string },
    wanted: string,
    line: number,
  ): Promise<ResolvedLocation> {
    // Naming the generated file itself (dist/server.js) probes it as it is; only a loader that
    // keeps the source's own path (tsx) needs its map for the script's own lines.
    if (sources === undefined || (path === script.path && !sources.has(path))) {
      if (line > script.endLine) throw new LocationError(`line ${line} is past the end of ${script.path} (${script.endLine} lines)`, false);
      return { script, map: undefined, generated: { line, column: undefined }, elsewhere: [], file: script.path, line, shown: script.path };
    }
    // Only the chosen scripts' maps are parsed whole and kept (among the most recent): their sources were listed from a read that was let go.
    const map = await this.mapOf(script);
    if (map instanceof SourceMapError) throw new LocationError(map.message, false);
    const shown = await shownSourcePath(path, wanted);
    const generated = map.generatedFor(source, line);
    if (generated === undefined) {
      // Nitro (Nuxt) writes such maps for every chunk rollup built from several modules: no line of any source is placed.
      if (!map.mapsAnyLineOf(source))
        throw new LocationError(
          `the source map of ${script.path} names ${shown} but places none of its lines (the bundler kept none of its code, or wrote the map without positions for it): no line of ${shown} can be found there; put the action on the line of ${script.path} itself`,
          false,
        );
      throw new LocationError(
        `line ${line} of ${shown} has no code in ${script.path} (per its source map): it is past the last statement, or the compiler dropped it`,
        false,
      );
    }
    const elsewhere = map.generatedPlacesFor(source, line).filter((p) => p.line !== generated.line || p.column !== generated.column);
    return {
      script,
      map,
      generated: { line: generated.line, column: generated.column },
      elsewhere,
      file: source,
      line: generated.originalLine,
      shown,
    };
  }

  /** Maps a generated position of a loaded script back to the user's source, when a map exists. */
  async original(path: string, line: number, column: number): Promise<{ file: string; line: number; column: number } | undefined> {
    const position = (await this.mapFor(path))?.originalFor(line, column);
    return position === undefined ? undefined : shownSource(position);
  }

  /**
   * Whether a generated position of a loaded script is a dependency's code by its map: a library a
   * bundler put into the app's chunk. Only a map whose sources include one under node_modules is
   * read for the position; the others answer from their sources' list, kept for every script.
   */
  async inDependencyAt(script: LoadedScript, line: number, column: number): Promise<boolean> {
    if (script.sourceMapURL === undefined) return false;
    const sources = await this.sourcesOf(script);
    if (sources instanceof SourceMapError || ![...sources].some(inDependency)) return false;
    const original = await this.original(script.path, line, column);
    return original !== undefined && inDependency(original.file);
  }

  /** A loaded script's source map, when it names one that reads. */
  async mapFor(path: string): Promise<ScriptSourceMap | undefined> {
    const script = this.session.script(path);
    if (script?.sourceMapURL === undefined) return undefined;
    const map = await this.mapOf(script);
    return map instanceof SourceMapError ? undefined : map;
  }

  /** Scripts gone with their page: their maps would only hold memory (a reloaded page loads its bundle's map again). */
  drop(scriptIds: string[]): void {
    for (const id of scriptIds) {
      this.sourceLists.delete(id);
      this.brokenChains.delete(id);
      this.maps.delete(id);
      this.loading.delete(id);
    }
  }

  /** The maps held now (parsed whole, listed by their sources), for the bounds' test. */
  get held(): { maps: number; mapBytes: number; sourceLists: number } {
    return { maps: this.maps.size, mapBytes: this.maps.weight, sourceLists: this.sourceLists.size };
  }

  forget(): void {
    this.sourceLists.clear();
    this.brokenChains.clear();
    this.maps.clear();
    this.loading.clear();
    this.unfollowed.forget();
  }

  /**
   * Where `wanted` is among the sources of loaded dependencies, from `node_modules/` on. Only
   * the maps of dependency scripts named like it (`map.ts` → `map.js`) are read, so a miss stays cheap.
   */
  private async dependencySources(wanted: string): Promise<string[]> {
    const stem = fileStem(wanted);
    const found = new Set<string>();
    for (const script of [...this.session.all()]) {
      if (script.sourceMapURL === undefined || !script.path.includes('/node_modules/') || fileStem(script.path) !== stem) continue;
      const sources = await this.sourcesOf(script);
      if (sources instanceof SourceMapError) continue;
      for (const written of sources) {
        const source = sourceInPackage(script.path, written) ?? written;
        if (source.endsWith(`/${wanted}`) && source.includes('/node_modules/'))
          found.add(source.slice(source.lastIndexOf('/node_modules/') + 1));
      }
      if (found.size >= 3) break;
    }
    return [...found].sort();
  }

  /**
   * The paths of the sources a script's map names, or why it does not read. A map read only for
   * them is not kept: the scripts a resolve looks through are every one loaded.
   */
  private sourcesOf(script: LoadedScript): Promise<SourceList> {
    let list = this.sourceLists.get(script.scriptId);
    if (list === undefined) {
      const held = this.maps.get(script.scriptId);
      list = (held === undefined ? this.read(script, false) : Promise.resolve(held)).then((map) =>
        map instanceof SourceMapError ? map : new Set(map.sources()),
      );
      this.sourceLists.set(script.scriptId, list);
    }
    return list;
  }

  /** A script's map parsed whole, in the positions of its running text; the most recent ones are kept, one that does not read is not read again. */
  private async mapOf(script: LoadedScript): Promise<ScriptSourceMap | SourceMapError> {
    const held = this.maps.get(script.scriptId);
    if (held !== undefined) return held;
    const listed = await this.sourceLists.get(script.scriptId);
    if (listed instanceof SourceMapError) return listed;
    let loading = this.loading.get(script.scriptId);
    if (loading === undefined) {
      const read = this.read(script, true);
      loading = read;
      this.loading.set(script.scriptId, read);
      void read.then((map) => {
        // Dropped or forgotten meanwhile: its script is gone.
        if (this.loading.get(script.scriptId) !== read) return;
        this.loading.delete(script.scriptId);
        if (map instanceof SourceMapError) this.sourceLists.set(script.scriptId, Promise.resolve(map));
        else this.maps.set(script.scriptId, map);
      });
    }
    return loading;
  }

  /** `placed`: read in the positions of the script's running text (a prepared script's), which only placing and mapping need. */
  private read(script: LoadedScript, placed: boolean): Promise<ScriptSourceMap | SourceMapError> {
    // A module run from an eval string has no folder of its own: its map's paths are read from the chunk's.
    return loadSourceMap(script.evaluatedAfter ?? script.path, script.sourceMapURL!, keptSourceName)
      .then(async (loaded) => {
        if (loaded.untraced.length > 0) this.brokenChains.set(script.scriptId, loaded.untraced);
        const text = placed ? await this.runningText(script) : undefined;
        return text === undefined ? loaded : loaded.throughRunningText(text);
      })
      .catch((err: unknown) => (err instanceof SourceMapError ? err : new SourceMapError(String(err))));
  }
}

/**
 * Whether `script` may hold another copy of `file`, told without reading its map. A script
 * named like the file (`dist/orders.js` for `src/orders.ts`) may be its compiled copy; a script
 * named otherwise holds it only as one of a bundle's sources, and a file bundled anywhere (a
 * Next.js page, a webpack chunk: any of its placed copies is in a bundle, late-copies.ts, or is
 * named otherwise) may be bundled into whatever loads next, under any prefix its map gives it.
 * Only when every copy is a one-to-one compile (tsc, babel, a loader's inline map), which an app
 * compiled file by file loads by the hundred, is an otherwise-named script skipped unread.
 */
function mayBeCopy(script: LoadedScript, file: string, holders: readonly Pick<Placement, 'script' | 'bundled'>[]): boolean {
  const stem = fileStem(normalizeRequested(file));
  if (fileStem(script.path) === stem) return true;
  return holders.some((holder) => holder.bundled === true || fileStem(holder.script.path) !== stem);
}

/**
 * Whether a user naming `wanted` may mean the script itself rather than a source its map names.
 * A module run from an eval string (evalModulePath) is named by its URL, not a file anyone
 * names. Next.js's output mirrors its routes' paths (`.next/server/app/cart/page.js` holds
 * `app/cart/page.js`): the route is meant, unless `.next/` is named. Before, `app/cart/page.js`
 * was placed in the chunk's own lines where `next dev` had not yet compiled the page, and was
 * refused as matching both once it had.
 */
function namedByOwnPath(script: LoadedScript, wanted: string): boolean {
  if (evalModulePath(script.url, script.sourceMapURL) !== undefined) return false;
  return !/[\\/]\.next[\\/]/.test(script.path) || wanted.includes('.next/');
}

/** `src/orders.ts` → `orders`: the name a source and its compiled script share. */
function fileStem(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.indexOf('.');
  return dot <= 0 ? name : name.slice(0, dot);
}
