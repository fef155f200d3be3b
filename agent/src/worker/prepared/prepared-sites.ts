/**
 * The worker's view of prepared files (install path 2): which positions have a prepared site,
 * and installing an action there by arming the hook and flipping the sites' flags over the
 * prepared-sites channel: no breakpoint, no inspector session. An action takes prepared sites
 * only when every position it needs has one (tic and toc; a function's entry and exits), never
 * half on sites and half on breakpoints.
 */
import { defined } from '@liveprobe/protocol/util';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { Action, DurationAction } from '@liveprobe/protocol';
import type { ArmProbe, ToMain } from '../../bridge.js';
import { armFields, type MetricRole, rateOf } from '../../locate/arm-spec.js';
import { armedExpressions, type Blocklist } from '../../locate/blocklist.js';
import { functionAt, functionAtPlaces, functionsNamed, type FunctionRange } from '../../locate/function-range.js';
import { originalNames } from '../../locate/original-names.js';
import { uninitialisedAt } from '../../locate/uninitialised.js';
import { functionNameAt, renamedFunctionAt, topLevelAt } from '../../locate/function-name.js';
import { generatedNamesAt } from '../../locate/generated-names.js';
import { matchScript, normalizeRequested, scriptPath } from '../../locate/script-match.js';
import { shownSourcePath } from '../../locate/source-shown.js';
import { checkLineText } from '../../locate/line-text.js';
import { analyseSource, offsetOf, positionOf, type AnalysedSource } from '../../locate/source-analysis.js';
import { fileURLToPath } from 'node:url';
import { loadSourceMap, type ScriptSourceMap } from '../../locate/source-maps.js';
import { lastSourceMappingURL } from '../../locate/map-comment.js';
import { siteEntries, type SiteEntry } from '../../prepare/prepared-output.js';
import { isPrebuiltModule, keptInputPath, shownSource } from '../../prepare/prebuilt.js';
import type { PreparedFlags, PreparedToWorker } from '../../prepare/prepared-messages.js';
import { timedExits } from './timed-exits.js';
import { returnExitAt, returnStoppedAt } from '../../prepare/return-exit.js';
import type { AstNode } from '../../prepare/ast.js';
import { twinPlaces } from './twin-places.js';
import { runningAt, writtenAt, type PackedTable } from '../../prepare/packed-table.js';
import type { RunningText } from '../../locate/source-maps.js';
import { SiteCounts } from './site-counts.js';
import { isPlainCounter } from '../../locate/plain-counter.js';
import { positionTableOf } from './position-tables.js';
import type { PrepareCacheAt } from '../../prepare/prepare-cache.js';
import { filePlaced, lateCopyGate, wantPlacements } from '../../prepare/late-copy-gate.js';

interface KnownFile {
  index: number;
  /** The file's flags, shared with the main thread (see PreparedFileLoaded). */
  F: Uint8Array;
  S: Uint8Array;
  /** By site: its hits while its flag read COUNT_IN_PLACE (site-counts.ts). */
  K: Int32Array;
  /** Filesystem path (ESM URLs converted). */
  path: string;
  /** As V8 names the script: the path, or an ES module's URL. */
  script: string;
  /** Prepared at build time (`liveprobe prepare`). */
  prebuilt: boolean;
  /** Where the file's code as written is: the file itself, or for one prepared at build time, the input kept beside it. */
  written: string;
  sites: SiteEntry[];
  /**
   * Whether a site is in a twinned function, found on the first breakpoint in the file: each
   * breakpoint asks, and a large file has ~100,000 sites (typescript.js: 95,000) to scan.
   */
  twinned?: boolean;
  /** Prepared positions → the code as written (PreparedOutput.map): as the file's announcement carried it, or found when a breakpoint first needs it (position-tables.ts). */
  table?: Promise<PackedTable | undefined>;
  /**
   * Sites by `line:column`, built on first use: a function's exits are looked up by position, and
   * an arrow's body in a twinned function has a site in each copy of the arrow (prepare/transform.ts).
   */
  byPosition?: Map<string, SiteEntry[]>;
  /** Each source line's first site through the map of the code as written (firstMappedSite), built on first use. */
  bySourceLine?: Map<string, { site: SiteEntry; column: number }>;
  /** The running file's own `//# sourceMappingURL=`: for a file prepared at build time, its composed map. */
  sourceMappingURL?: string;
  /** Loaded on first use; undefined when the file has none or it cannot be read (then its lines use breakpoints). */
  map?: Promise<ScriptSourceMap | undefined>;
  /** The map the user's lines are read through (writtenMapOf), loaded on first use. */
  writtenMap?: Promise<WrittenMap | undefined>;
}

interface WrittenMap {
  map: ScriptSourceMap;
  /**
   * False for a file prepared at build time whose input's map is not deployed: the composed map
   * then stands in, whose lines are the input's but whose columns are the prepared text's.
   */
  columns: boolean;
}

/** A prepared file as the user named it: the generated .js, or a source its map names (.ts). */
interface NamedFile {
  known: KnownFile;
  /** Set when the user named a source of the file's map. */
  map?: ScriptSourceMap;
  /** See WrittenMap. */
  columns?: boolean;
  /** The name that matched. */
  path: string;
  /** How statuses name it, when not by `path`: as the action names it, where the map's path is not one on this machine (source-shown.ts). */
  shown?: string;
}

/** One position an action needs, and the site there. */
export interface PlannedSite extends NamedFile {
  site: SiteEntry;
  /** The source line the site stands for where the map sends the site elsewhere: a `return`'s exit, taken by a line inside its value (returnExitOn). */
  line?: number;
  role?: Omit<MetricRole, 'pair'>;
}

/**
 * Whether an action can go on prepared sites: every site it needs; or, its file being
 * prepared, why it cannot (for the status of the breakpoint it takes instead); or no prepared
 * file is involved (or the breakpoint path will report what is wrong).
 */
export type PreparedPlan = { kind: 'sites'; sites: PlannedSite[] } | NoSites;

type NoSites = { kind: 'unprepared'; reason: string } | { kind: 'not-prepared' };

/** One line's site, or why it has none; `planned`: its site in each prepared file that holds it (a bundler puts one source into several, Next.js's pages). */
type Located = { kind: 'site'; planned: PlannedSite[] } | NoSites;

const NOT_PREPARED: NoSites = { kind: 'not-prepared' };

/** What one key of an action flips on and off: its sites in one prepared file; `plain`: a plain counter, whose sites' counts are read. */
export type PreparedSwitch = Omit<PreparedFlags, 't' | 'on'> & { plain?: true };

/** Where an action sits on prepared files: one switch per key (tic-toc and duration have several). */
export type PreparedPlacement = PreparedSwitch[];

/** Where one site is in the user's source. */
export interface PlacedSite {
  file: string;
  line: number;
  functionName?: string;
  /** In no function: the file's top-level code, which runs once, as the file loads. */
  topLevel?: true;
  /**
   * The line asked for has code, but inside an expression V8 cannot stop in part-way: V8 stopped
   * further on, at `line`. `folded`: a minifier folded the line into another's expression on one
   * generated line; `multi-line`: the expression spans lines of the code as written.
   */
  insideExpression?: 'folded' | 'multi-line';
  /** With `insideExpression`: the line where the statement holding that expression starts, when the map says. */
  statementLine?: number;
  /**
   * With `insideExpression`, instead of `statementLine`: a compiler folded the file's lines into one
   * statement (Astro's markup into its `return renderTemplate\`…\``) at `generatedLine` of `script`,
   * and its map places that statement's start at `mappedLine`, where an action lands elsewhere.
   */
  compiledInto?: { script: string; generatedLine: number; mappedLine: number };
}

export interface PreparedInstallContext {
  blocklist: Blocklist;
  post(message: ToMain): void;
  /** The key for the action's n-th site: 0 is the action's own key (which also pairs its tic with its tocs), later ones are new. */
  key(index: number): number;
  installed(placed: PlacedSite[]): void;
}

/**
 * Where the analyses are kept: the worker passes its AnalysisCache (worker/analysis-cache.ts,
 * a folder this one may not import), which forgets them once the installs are over.
 */
export interface AnalysisStore {
  get(path: string, analyse: () => AnalysedSource | undefined): AnalysedSource | undefined;
}

export class PreparedSites {
  private readonly files = new Map<string, KnownFile>();
  private readonly byIndex = new Map<number, KnownFile>();
  private readonly listeners: ((file: number) => void)[] = [];
  /** The plain counters' hits their COUNT_IN_PLACE sites counted in the app. */
  readonly counts = new SiteCounts();

  /** `analyses`: by file path, forgotten once a burst of installs is over; `cache`: LIVEPROBE_PREPARE's, if any. */
  constructor(
    private readonly port: MessagePort,
    private readonly analyses: AnalysisStore,
    private readonly cache?: PrepareCacheAt,
    /** Shared with the main thread, whose prepared files wait there for their placement while copies may load. */
    private readonly copyGate: Int32Array = lateCopyGate(),
  ) {
    port.on('message', (message: PreparedToWorker) => this.receive(message));
    port.unref();
  }

  /**
   * Takes the files the main thread announced and this thread has not heard of yet. While the
   * app is paused before a script runs, a prepared file loaded just before it must be known, or
   * an action waiting for it would take a breakpoint and move only once the app has run on.
   */
  drainFiles(): void {
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
      const message = m.message as PreparedToWorker;
      // Taken off the port, a message reaches no listener: hand the others (outcomes) on.
      if (message.t === 'file') this.receive(message);
      else this.port.emit('message', message);
    }
  }

  private receive(message: PreparedToWorker): void {
    if (message.t !== 'file') return;
    const path = scriptPath(message.path) ?? message.path;
    const known: KnownFile = {
      index: message.file,
      path,
      script: message.path,
      prebuilt: message.prebuilt === true,
      written: message.prebuilt === true ? keptInputPath(path) : path,
      sites: siteEntries(message.sites),
      F: message.F,
      S: message.S,
      K: message.K,
      ...(message.table === undefined ? {} : { table: Promise.resolve(message.table) }),
      ...defined({ sourceMappingURL: message.sourceMappingURL }),
    };
    this.files.set(path, known);
    this.byIndex.set(known.index, known);
    for (const listener of this.listeners) listener(known.index);
  }

  /** Called whenever a prepared file loads (e.g. a lazy `import()` after its action arrived), with its index. */
  onFile(listener: (file: number) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Whether an action on prepared sites may take a copy that loads later: each prepared file
   * that binds then holds the app until `placed` says what it holds is placed (late-copy-gate.ts).
   */
  awaitCopies(on: boolean): void {
    wantPlacements(this.copyGate, on);
  }

  /** Every action that can go into prepared file `file` now is there: its binding may go on. */
  placed(file: number): void {
    filePlaced(this.copyGate, file);
  }

  /**
   * Whether a script V8 has just reported is an ES module prepared at build time, which binds its
   * sites when its flags module runs, before the module itself. An action waiting for a lazily
   * imported chunk took a breakpoint there, then moved to the site once the chunk bound, and a
   * function already running when it moved ran on with neither (hits lost); the agent pauses
   * before each script while an action waits, so left waiting it finds the site on before the
   * chunk's code runs (onFile). A CommonJS file binds in its own first statement, after that
   * pause: waiting for it would miss its first run, so it still takes the breakpoint first.
   */
  bindsBeforeItRuns(source: string): boolean {
    return isPrebuiltModule(source);
  }

  /** The sites the action would take, or why it cannot take any (no side effects). */
  async plan(action: Action): Promise<PreparedPlan> {
    if (this.files.size === 0) return NOT_PREPARED;
    switch (action.type) {
      case 'tictoc': {
        const tocFile = action.toc.file ?? action.file;
        const tic = await this.siteOnLine(action.file, action.line);
        const toc = await this.siteOnLine(tocFile, action.toc.line);
        // A tic and its toc pair up in one file: with a line in several, the breakpoint path says why it cannot time them.
        const copies = (located: Located): number => (located.kind === 'site' ? located.planned.length : 1);
        if (copies(tic) > 1 || copies(toc) > 1) return { kind: 'unprepared', reason: 'the line is in several prepared files' };
        if (tic.kind === 'site' && toc.kind === 'site')
          return {
            kind: 'sites',
            sites: [
              { ...tic.planned[0]!, role: { role: 'tic' } },
              { ...toc.planned[0]!, role: { role: 'toc' } },
            ],
          };
        if (tic.kind === 'not-prepared' && toc.kind === 'not-prepared') return NOT_PREPARED;
        const missing = (part: string, file: string, located: Located): string | undefined =>
          located.kind === 'site'
            ? undefined
            : `the ${part}: ${located.kind === 'unprepared' ? located.reason : `${file} is not a prepared file`}`;
        return { kind: 'unprepared', reason: (missing('tic', action.file, tic) ?? missing('toc', tocFile, toc))! };
      }
      case 'duration':
        return this.planDuration(action);
      default: {
        const one = await this.siteOnLine(action.file, action.line);
        return one.kind === 'site' ? { kind: 'sites', sites: one.planned } : one;
      }
    }
  }

  /**
   * Installs the action on the planned sites. Throws what armFields, the blocklist and the
   * deployed-source check throw, before anything is armed.
   */
  async install(action: Action, plan: { sites: PlannedSite[] }, ctx: PreparedInstallContext): Promise<PreparedPlacement> {
    const first = plan.sites[0]!;
    if (action.lineText !== undefined && action.line > 0) {
      const { known, map, path } = first;
      await checkLineText(action.lineText, action.line, { map, file: path }, this.analysis(known));
    }
    const pair = ctx.key(0);
    const arms = plan.sites.map((planned) => this.armFor(action, planned, pair, ctx.blocklist));
    const placement: PreparedPlacement = arms.map(({ message, file, sites, siteRoots }, index) => {
      const key = ctx.key(index);
      ctx.post({ ...message, key });
      return { file, key, roots: siteRoots, sites, ...(isPlainCounter(message) ? { plain: true as const } : {}) };
    });
    this.set(placement, true);
    ctx.installed(arms.map((a) => a.placed));
    return placement;
  }

  /**
   * Posts the flag changes to the main thread. Turning on, the shared flags are also set here,
   * after the messages (and the arm messages before them) are queued: the next run of the
   * site fires, even if the main thread is busy until then. Turning off is left to the main
   * thread, which knows whether another action still uses the site. A plain counter's sites'
   * counts are read from when it turns on until it turns off (then once more, for its last hits).
   */
  set(placement: PreparedPlacement, on: boolean): void {
    for (const { plain, ...flags } of placement) {
      const message: PreparedFlags = { t: 'flags', ...flags, on };
      this.port.postMessage(message);
      if (plain === true && !on) this.counts.unwatch(flags.key);
    }
    if (!on) return;
    for (const { file, key, sites, plain } of placement) {
      const known = this.byIndex.get(file);
      if (known === undefined) continue;
      // A counter's action is on one position: its sites are that position's copies.
      if (plain === true && sites.length > 0) this.counts.watch(key, known.K, sites);
      for (const site of sites) {
        Atomics.store(known.S, site, 1);
        const fn = known.sites[site]?.fn ?? -1;
        if (fn >= 0) Atomics.store(known.F, fn, 1);
      }
    }
  }

  /** The arm message for one site (all but its key), once the blocklist allows it. */
  private armFor(
    action: Action,
    planned: PlannedSite,
    pair: number,
    blocklist: Blocklist,
  ): { message: Omit<ArmProbe, 'key'>; file: number; sites: number[]; siteRoots: string[]; placed: PlacedSite } {
    const { known, site, role } = planned;
    const analysed = this.analysis(known);
    const offset = analysed === undefined ? 0 : offsetOf(analysed, site.line, site.column);
    // The map of the code as written, when its columns are the analysed text's: the minifier's names back to the user's.
    const written = planned.columns === false ? undefined : planned.map;
    // A prepared site always passes `this` (undefined in arrows), so `usesThis` is not needed.
    const { usesThis: _, ...fields } = armFields(
      action,
      analysed,
      offset,
      role === undefined ? undefined : { ...role, pair, at: `prepared:${known.index}:${site.id}` },
      written,
    );
    const uninitialised = analysed === undefined ? [] : uninitialisedAt(analysed, offset, fields.roots);
    const functionName = analysed === undefined ? undefined : functionNameAt(analysed, offset, written);
    blocklist.check({ files: [action.file, planned.path, known.path], functionName, expressions: armedExpressions(fields) });
    const at = planned.line === undefined ? shown(planned, site, action.line) : { file: planned.shown ?? planned.path, line: planned.line };
    const placed: PlacedSite = { ...at, ...defined({ functionName }), ...topLevelAt(analysed, offset) };
    // The site passes its bindings by the names the code has: a minifier's, where the map records the user's.
    const renamed = generatedNamesAt(analysed, offset, fields.roots, written);
    const siteRoots = fields.roots.map((root) => renamed[root] ?? root);
    return {
      message: {
        t: 'arm',
        actionId: action.id,
        ...fields,
        ...(uninitialised.length > 0 ? { uninitialised } : {}),
        maxHits: action.maxHits,
        expiresAt: Date.parse(action.expiresAt),
        ...rateOf(action),
        ...placed,
      },
      file: known.index,
      sites: sitesAt(known, site.line, site.column).map((copy) => copy.id),
      siteRoots,
      placed,
    };
  }

  /**
   * The first site that starts on the line (where a breakpoint on the line stops) in each prepared
   * file that holds it, or why there is none: every copy takes a site, or the action takes
   * breakpoints, which reach every copy loaded.
   */
  private async siteOnLine(file: string, line: number): Promise<Located> {
    const all = await this.named(file);
    if (all.length === 0) return NOT_PREPARED;
    const planned: PlannedSite[] = [];
    for (const named of all) {
      const site =
        named.map === undefined
          ? firstSite(named.known.sites, line)
          : named.columns === false
            ? firstSite(named.known.sites, named.map.generatedFor(named.path, line)?.line ?? 0)
            : firstMappedSite(named, named.map, line);
      const exit =
        site === undefined && named.map !== undefined && named.columns !== false ? this.returnExitOn(named, named.map, line) : undefined;
      if (exit !== undefined) planned.push({ ...named, ...exit });
      else if (site === undefined)
        return { kind: 'unprepared', reason: `line ${line} of ${named.shown ?? named.path} has no prepared site` };
      else planned.push({ ...named, site });
    }
    return { kind: 'site', planned };
  }

  /**
   * For a line with no site whose code sits inside a `return`'s value with no break location of
   * V8's after it (returnStoppedAt): that return's exit site, which runs where a breakpoint on the
   * line stops, after the value, in the same scope. A compiled template's line, mapped to a column
   * of its `return`: on a breakpoint instead, the prepared copy's stop went into a closure of the
   * exit site's arguments and never ran, and the original body's, at the return inside the
   * exception wrapper's `try`, saw none of the body's `const`s.
   */
  private returnExitOn(named: NamedFile, map: ScriptSourceMap, line: number): { site: SiteEntry; line: number } | undefined {
    const generated = map.generatedFor(named.path, line);
    const analysed = this.analysis(named.known);
    if (generated === undefined || analysed === undefined) return undefined;
    const ret = returnStoppedAt(analysed.program as unknown as AstNode, offsetOf(analysed, generated.line, generated.column));
    const site = ret === undefined ? undefined : siteFor(named.known, analysed, returnExitAt(ret, analysed.source));
    return site === undefined ? undefined : { site, line: generated.originalLine };
  }

  /** A function's entry, returns and throws, when sites time them as breakpoints do (timed-exits.ts). */
  private async planDuration(action: DurationAction): Promise<PreparedPlan> {
    const all = await this.named(action.file);
    if (all.length === 0) return NOT_PREPARED;
    const sites: PlannedSite[] = [];
    // Each copy of the function is timed on its own sites.
    for (const named of all) {
      const plan = await this.planDurationIn(action, named);
      if (plan.kind !== 'sites') return plan;
      sites.push(...plan.sites);
    }
    return { kind: 'sites', sites };
  }

  private async planDurationIn(action: DurationAction, named: NamedFile | undefined): Promise<PreparedPlan> {
    const analysed = named === undefined ? undefined : this.analysis(named.known);
    const fn = named === undefined || analysed === undefined ? undefined : functionFor(action, named, analysed);
    // No such function: the breakpoint path says what is wrong.
    if (named === undefined || analysed === undefined || fn === undefined) return NOT_PREPARED;
    const lineAt = (offset: number): number => {
      const at = positionOf(analysed, offset);
      return shown(named, at, at.line).line;
    };
    const exits = timedExits(analysed, fn);
    if ('why' in exits) return { kind: 'unprepared', reason: `line ${lineAt(exits.at)} ${exits.why}` };
    type Position = [offset: number, role: Omit<MetricRole, 'pair'>];
    const positions: Position[] = [
      [exits.entry, { role: 'tic' }],
      ...exits.returns.map((offset): Position => [offset, { role: 'toc', outcome: 'return' }]),
      ...exits.throws.map((offset): Position => [offset, { role: 'toc', outcome: 'throw' }]),
    ];
    const sites: PlannedSite[] = [];
    for (const [offset, role] of positions) {
      const site = siteFor(named.known, analysed, offset) ?? siteFor(named.known, analysed, exits.formerly.get(offset));
      if (site === undefined) return { kind: 'unprepared', reason: noSite(lineAt(offset), exits.afterValue.includes(offset)) };
      sites.push({ ...named, site, role });
    }
    return { kind: 'sites', sites };
  }

  /** The prepared files holding the file the user means by `file`: the file itself, or each bundle whose map names it. */
  private async named(file: string): Promise<NamedFile[]> {
    const candidates = new Map<string, NamedFile[]>();
    const add = (path: string, named: NamedFile): void => {
      const list = candidates.get(path) ?? [];
      list.push(named);
      candidates.set(path, list);
    };
    for (const known of this.files.values()) {
      add(known.path, { known, path: known.path });
      const written = await this.writtenMapOf(known);
      for (const source of written?.map.sources() ?? [])
        if (source !== known.path) add(source, { known, map: written!.map, columns: written!.columns, path: source });
    }
    const match = matchScript(file, candidates.keys());
    if (match.kind !== 'found') return [];
    // The file itself, when it is a prepared file, is what the user named: not the bundles that also hold its path.
    const found = candidates.get(match.path)!;
    const own = found.find((named) => named.map === undefined);
    if (own !== undefined) return [own];
    const shown = await shownSourcePath(match.path, normalizeRequested(file));
    return found.map((named) => (shown === named.path ? named : { ...named, shown }));
  }

  /**
   * The other places of the code at a position of a prepared file as it runs (`analysed` is its
   * text): a line inside a twinned function is also in its twin, which runs while an action is on
   * one of the function's sites, and a breakpoint must see the calls of both.
   */
  async copiesOf(
    path: string,
    analysed: AnalysedSource,
    at: { line: number; column: number },
  ): Promise<{ line: number; column: number }[]> {
    const known = this.known(path);
    // A file without twinned functions holds each line once.
    if (known === undefined) return [];
    known.twinned ??= known.sites.some((site) => site.fn >= 0);
    if (!known.twinned) return [];
    known.table ??= positionTableOf(known, analysed.source, this.cache).catch(() => undefined);
    const table = await known.table;
    // None for the text that runs: the line's place where the breakpoint lands is its only one.
    return table === undefined ? [] : twinPlaces(table, analysed, at);
  }

  /**
   * How the running text of a file prepared as it loads (`running`) places the code as written,
   * which the file's own map (the input's) reads: its guards shift the columns after them, so a
   * breakpoint placed by that map alone lands elsewhere, and a stop reads as another line. None
   * for a file prepared at build time, whose composed map is in its running positions, or whose
   * table cannot be had (its breakpoints then go by the input's map, as before).
   */
  async runningText(path: string, running: string): Promise<RunningText | undefined> {
    const known = this.known(path);
    if (known === undefined || known.prebuilt) return undefined;
    known.table ??= positionTableOf(known, running, this.cache).catch(() => undefined);
    const table = await known.table;
    if (table === undefined) return undefined;
    return { written: (at) => writtenAt(table, at), running: (at) => runningAt(table, at) };
  }

  /**
   * A stack frame's position in a prepared file → the user's source (snapshot stacks). The frame
   * is already in the code as written (stack-traces.ts maps the prepared text back), so it goes
   * through that code's own map: a file prepared at build time runs with its composed map, whose
   * columns are the prepared text's, which in a minified bundle's one long line lead elsewhere.
   */
  async original(path: string, line: number, column: number): Promise<{ file: string; line: number; column: number } | undefined> {
    const known = this.known(path);
    if (known === undefined) return undefined;
    const position = (await this.writtenMapOf(known))?.map.originalFor(line, column);
    return position === undefined ? undefined : shownSource(position);
  }

  /** Whether `path` (as a stack names it) is a prepared file. */
  holds(path: string): boolean {
    return this.known(path) !== undefined;
  }

  /**
   * The source's name of the function around a position of a prepared file's code as written (a
   * stack's frames are there: stack-traces.ts maps the prepared text back), where its map renames it.
   */
  async renamedFunctionAt(path: string, line: number, column: number): Promise<string | undefined> {
    const known = this.known(path);
    if (known === undefined) return undefined;
    const [analysed, written] = [this.analysis(known), await this.writtenMapOf(known)];
    // A composed map standing in reads the prepared text's columns, not these.
    if (analysed === undefined || written === undefined || !written.columns) return undefined;
    return renamedFunctionAt(analysed, offsetOf(analysed, line, column), written.map);
  }

  private known(path: string): KnownFile | undefined {
    for (const known of this.files.values())
      if (known.path === path || (known.path.startsWith('file:') && fileURLToPath(known.path) === path)) return known;
    return undefined;
  }

  private mapOf(known: KnownFile): Promise<ScriptSourceMap | undefined> {
    if (known.sourceMappingURL === undefined) return Promise.resolve(undefined);
    known.map ??= loadSourceMap(known.path, known.sourceMappingURL).catch(() => undefined);
    return known.map;
  }

  /**
   * The map of the code as written, in whose positions the sites, the analysis and a user's line
   * are read. For a file prepared at build time that is its input's own map (named in the input
   * kept beside it), not the composed map, which describes the prepared text, whose guards
   * shifted the columns; the composed map stands in when the input's is not deployed.
   */
  private writtenMapOf(known: KnownFile): Promise<WrittenMap | undefined> {
    const own = async (): Promise<WrittenMap | undefined> => {
      const map = await this.mapOf(known);
      return map === undefined ? undefined : { map, columns: known.written === known.path };
    };
    if (known.written === known.path) return own();
    known.writtenMap ??= readFile(known.written, 'utf8')
      .then((text) => {
        const url = lastSourceMappingURL(text);
        return url === undefined ? undefined : loadSourceMap(known.path, url);
      })
      .then(
        (map) => (map === undefined ? own() : { map, columns: true }),
        () => own(),
      );
    return known.writtenMap;
  }

  /** The original file, for naming the function and planning snapshots (its lines are the prepared file's lines). */
  private analysis(known: KnownFile): AnalysedSource | undefined {
    return this.analyses.get(known.written, () => {
      let source: string | undefined;
      try {
        source = readFileSync(known.written, 'utf8');
      } catch {
        return undefined;
      }
      return analyseSource(source);
    });
  }
}

function functionFor(action: DurationAction, named: NamedFile, analysed: AnalysedSource): FunctionRange | undefined {
  if (action.function !== undefined) {
    const found = functionsNamed(analysed, action.function, named.map && originalNames(named.map, named.path, analysed));
    return found.length === 1 ? found[0] : undefined;
  }
  if (named.map === undefined) return functionAt(analysed, offsetOf(analysed, action.line, undefined));
  const generated = named.map.generatedFor(named.path, action.line);
  if (generated === undefined) return undefined;
  const places = [generated, ...named.map.generatedPlacesFor(named.path, action.line)];
  return functionAtPlaces(
    analysed,
    places.map((p) => offsetOf(analysed, p.line, p.column)),
  );
}

/**
 * Why a duration's position has no site. An exit after a returned value is missing only from a
 * file `liveprobe prepare` wrote before such sites (TRANSFORM_VERSION 14, or 15 for a value holding
 * a function or a `return` inside `try … finally`): the agent prepares a file again as it loads
 * when its cache is older.
 */
function noSite(line: number, afterValue: boolean): string {
  if (!afterValue) return `line ${line} has no prepared site`;
  return `line ${line} returns a computed value, and its file was prepared by an older liveprobe, which put no site after a returned value: run \`liveprobe prepare\` on it again to time it on sites`;
}

/** The site of a file without a map that starts first on `line`. */
function firstSite(sites: readonly SiteEntry[], line: number): SiteEntry | undefined {
  let first: SiteEntry | undefined;
  for (const site of sites) if (site.line === line && (first === undefined || site.column < first.column)) first = site;
  return first;
}

/**
 * The site whose statement the map sends to `line` of the named source (or to the next line with
 * code, as a breakpoint moves), at its least column. A generated line can hold several source
 * lines (a minified bundle holds them all; tsc joins a multi-line arrow body to its statement),
 * so the site must be found by where it maps, not by the generated line: the first site of that
 * line may belong to another source line, in another scope.
 */
function firstMappedSite(named: NamedFile, map: ScriptSourceMap, line: number): SiteEntry | undefined {
  const wanted = map.generatedFor(named.path, line)?.originalLine;
  if (wanted === undefined) return undefined;
  // One pass over the sites, kept for the file's later actions: a 0.83 MB minified bundle has
  // 15,206 sites, which took 4–34 ms to map for every action.
  named.known.bySourceLine ??= sitesBySourceLine(named.known.sites, map);
  return named.known.bySourceLine.get(`${wanted}:${named.path}`)?.site;
}

/** Each source line's (`line:file`) site of least source column, through the map of the code as written. */
function sitesBySourceLine(sites: readonly SiteEntry[], map: ScriptSourceMap): Map<string, { site: SiteEntry; column: number }> {
  const index = new Map<string, { site: SiteEntry; column: number }>();
  for (const site of sites) {
    const original = map.originalFor(site.line, site.column);
    if (original === undefined) continue;
    const key = `${original.line}:${original.file}`;
    const known = index.get(key);
    if (known === undefined || original.column < known.column) index.set(key, { site, column: original.column });
  }
  return index;
}

/** The first site at an offset of the analysed file, if any. */
function siteFor(known: KnownFile, analysed: AnalysedSource, offset: number | undefined): SiteEntry | undefined {
  if (offset === undefined) return undefined;
  const { line, column } = positionOf(analysed, offset);
  return sitesAt(known, line, column)[0];
}

/** The sites at a position: one, or an arrow body's copies in a twinned function. */
function sitesAt(known: KnownFile, line: number, column: number): SiteEntry[] {
  if (known.byPosition === undefined) {
    known.byPosition = new Map();
    for (const site of known.sites) {
      const key = `${site.line}:${site.column}`;
      const copies = known.byPosition.get(key);
      if (copies === undefined) known.byPosition.set(key, [site]);
      else copies.push(site);
    }
  }
  return known.byPosition.get(`${line}:${column}`) ?? [];
}

/** A generated position as the user sees it: through the map when they named one of its sources. */
function shown(named: NamedFile, at: { line: number; column: number }, fallbackLine: number): { file: string; line: number } {
  if (named.map === undefined) return { file: named.known.path, line: at.line };
  return { file: named.shown ?? named.path, line: named.map.originalFor(at.line, at.column)?.line ?? fallbackLine };
}
