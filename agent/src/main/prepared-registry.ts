/**
 * The main thread's side of prepared files: each file's flag tables and `$lpH`, which turns
 * a site's scope object into the probe hook's `values` (in the action's `roots` order, or, for a
 * log line whose roots the site passes as values, the site's pass read through its slots) so the
 * same compiled expressions, quotas and redaction apply as on the breakpoint path.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { unboundFlags, type FileFlags } from './unbound-flags.js';
import { siteNamesOf, type PreparedOutput, type SiteNames } from '../prepare/prepared-output.js';
import { prebuiltScript } from '../prepare/prebuilt.js';
import type {
  PrebuiltFileReport,
  PreparedFlags,
  PreparedOutcomeReport,
  PreparedToMain,
  PreparedToWorker,
} from '../prepare/prepared-messages.js';
import { COUNT_IN_PLACE, COUNT_ONLY } from '../prepare/site-flags.js';
import type { PackedTable } from '../prepare/packed-table.js';
import { intsIn, sharedInts, sharedTable, type UnpackedTable } from '../prepare/packed-text.js';
import { siteNamesOfText } from '../prepare/build-data.js';
import { siteCounts } from './site-count-slabs.js';
import { allPassed, readLazily, readSlots } from './site-slots.js';
import { awaitPlacement, lateCopyGate } from '../prepare/late-copy-gate.js';

// Captured before the app runs, which may replace these globals.
const U8 = Uint8Array;
const I32 = Int32Array;
const Shared = SharedArrayBuffer;
const { apply } = Reflect;
const typedArraySet = (Object.getPrototypeOf(Int32Array.prototype) as Int32Array).set;

/** The part of the probe hook a prepared site calls; `values` is the site's own array, valid only during the call. */
export interface HitTarget {
  /** With `slots`, `values` is the site's pass itself, root r at `values[slots[r]]` (site-slots.ts). */
  hit(key: number, values: unknown[], self: unknown, prepared: boolean, slots?: Int32Array): void;
  /**
   * Whether hits of `key` may read a site's pass in place (HitTarget.hit with `slots`): a log line
   * with no condition and no binding marked uninitialised; undefined when `key` is not armed.
   */
  readsPass(key: number): boolean | undefined;
  /**
   * A hit of `key` that reads no value (a counter with no condition and no attributes): counted
   * and true; false, doing nothing, when `key` is armed otherwise; undefined when it is not armed.
   */
  count(key: number): boolean | undefined;
  /** `$lpX` of every prepared file: on while an exception action takes the prepared path. */
  readonly exceptionFlag: Uint8Array;
  /** An exception site ran with the flag on (prepare/exception-sites.ts); `pass` holds its site from `start` on. */
  thrown(file: string, at: 'throw' | 'catch', error: unknown, pass: unknown[], start: number): void;
  /** LIVEPROBE_PREPARE_FLAGS=all: the exception flag stays on with no action. */
  exceptionsAlwaysOn(): void;
  /**
   * `listener` is told each key armed again (an edit keeps its first key): a COUNT_IN_PLACE site
   * asks nothing at its hits, so one that took the key's flags before its new arm must ask again.
   */
  onRearm(listener: (key: number) => void): void;
}

/**
 * What a site passes: `[site, this, value, …]`, the values in the order of the site's names in
 * the file's SiteNames, where a name starting with `*` comes with a reader of a binding that may
 * be in its TDZ; while its flag reads COUNT_ONLY, its number alone (COUNT_IN_PLACE: it passes
 * nothing, it adds one to its count in K). A file prepared at build time
 * by a transform before SiteNames passes the names inline: `[site, this, name, value, …]`.
 */
export type SitePass = unknown[];

const STAR = 42;

interface ArmedSite {
  key: number;
  roots: string[];
  /**
   * Where each root sits in the site's pass, found on the first hit (a site always passes the
   * same names in the same order): the value's index, the reader's index negated for a lazily
   * passed binding, or 0 when the site does not pass it.
   */
  slots: Int32Array | undefined;
  /** The values handed to the hook, reused hit after hit: the hook reads them before it returns. */
  values: unknown[] | undefined;
  /** A plain counter (HitTarget.count takes its hits), found on its first hit the hook knows it: it reads no value. */
  counts: boolean | undefined;
  /** Its hits read the pass in place (HitTarget.readsPass, every root passed as a value), found as `counts` is. */
  direct: boolean | undefined;
}

/** Each root's place in `pass` (see ArmedSite.slots), with the site's names from `table` (inline in `pass` without one). */
function slotsOf(pass: SitePass, roots: readonly string[], table: SiteNames | undefined): Int32Array {
  return table === undefined ? slotsBy(pass.slice(2), 3, 2, roots) : slotsBy(siteNamesOf(table, pass[0] as number), 2, 1, roots);
}

/** Each root's place, the value of `names[i]` being at `pass[i + first]`, a name every `step`. */
function slotsBy(names: readonly unknown[], first: number, step: number, roots: readonly string[]): Int32Array {
  const slots = new Int32Array(roots.length);
  for (let r = 0; r < roots.length; r++) {
    const name = roots[r]!;
    for (let i = 0; i < names.length; i += step) {
      const key = names[i] as string;
      const slot = i + first;
      if (key === name) slots[r] = slot;
      else if (key.length === name.length + 1 && key.charCodeAt(0) === STAR && key.endsWith(name)) slots[r] = -slot;
      else continue;
      break;
    }
  }
  return slots;
}

/** What a prepared file's header binds to `$lp`; `$lpF`, `$lpS`, `$lpH`, `$lpC`, `$lpK`, `$lpX`, `$lpT` and `$lpW` are its F, S, H, C, K, X, T and W. */
export class PreparedFile {
  readonly F: Uint8Array;
  readonly S: Uint8Array;
  /** By site: its hits while its flag reads COUNT_IN_PLACE (PreparedFileLoaded.K). */
  readonly K: Int32Array;
  /** What a site whose actions are all plain counters is set to: COUNT_IN_PLACE, or COUNT_ONLY for a file whose sites construct `$lpC`. */
  private readonly countOnly: number;
  /** By site: the probes armed on it. */
  private readonly armed: (ArmedSite[] | undefined)[] = [];
  private readonly functionUse: Uint32Array;

  constructor(
    readonly index: number,
    readonly path: string,
    /** Flat triples `[line, column, functionFlag]` (PreparedOutput.sites); the registry's are in memory shared with the worker. */
    readonly sites: ArrayLike<number>,
    functions: number,
    private readonly target: HitTarget,
    /** Takes the worker's queued flag messages now: it may have turned a flag on before they arrived. */
    private readonly drain: () => void,
    /** LIVEPROBE_PREPARE_FLAGS=all: every twin runs and every site fires, with no action behind it. */
    private readonly allOn: boolean,
    /** Whether its sites add to K (COUNT_IN_PLACE); a file prepared at build time by an older transform constructs `$lpC`. */
    countsInPlace: boolean,
    /**
     * The names each site passes, or a build-prepared file's text of them, parsed at the first
     * hit that needs them; undefined for a file whose sites pass them inline (prepared at build
     * time by an older transform).
     */
    private names?: SiteNames | string,
  ) {
    this.F = new U8(new Shared(functions));
    this.S = new U8(new Shared(sites.length / 3));
    this.K = siteCounts(sites.length / 3);
    this.countOnly = countsInPlace ? COUNT_IN_PLACE : COUNT_ONLY;
    this.functionUse = new Uint32Array(functions);
    const file = this;
    // Small, so that V8 inlines it into the app's function: `new` then allocates no receiver.
    // (A number: a COUNT_ONLY site of a file prepared at build time by a transform before $lpC.)
    this.H = function H(pass: SitePass | number): void {
      if (typeof pass === 'number') file.count(pass);
      else file.hit(pass);
    };
    // Apart from H, whose hits on a line with a log make it too large to inline. Only files
    // prepared at build time by a transform before COUNT_IN_PLACE construct it.
    this.C = function C(site: number): void {
      file.count(site);
    };
    this.X = target.exceptionFlag;
    this.T = function T(pass: SitePass): void {
      try {
        target.thrown(path, 'catch', pass[0], pass, 1);
      } catch {
        // An exception site never changes what the app throws.
      }
    };
    this.W = function W(error: unknown, pass: SitePass | 0): unknown {
      try {
        if (pass !== 0) target.thrown(path, 'throw', error, pass, 0);
      } catch {
        // The same value is thrown whatever happens here.
      }
      // Called with `new`: an object returned is what `new` gives; a primitive it cannot give.
      if ((typeof error === 'object' && error !== null) || typeof error === 'function') return error;
      throw error;
    };
    if (allOn) {
      this.F.fill(1);
      this.S.fill(1);
    }
  }

  /** A site whose flag is on constructs this (`new $lpH([…])`), with the bindings it sees. */
  readonly H: (pass: SitePass | number) => void;
  /** A site whose flag reads COUNT_ONLY constructs this (`new $lpC(n)`): its number alone (files prepared before COUNT_IN_PLACE). */
  readonly C: (site: number) => void;
  /** Exception sites (prepare/exception-sites.ts): the flag, a body's `catch` (`new $lpT([error, …])`), a `throw` (`new $lpW(error, …)`). */
  readonly X: Uint8Array;
  readonly T: (pass: SitePass) => void;
  readonly W: (error: unknown, pass: SitePass | 0) => unknown;

  private siteNames(): SiteNames | undefined {
    if (typeof this.names === 'string') this.names = siteNamesOfText(this.names);
    return this.names;
  }

  private hit(pass: SitePass): void {
    try {
      const site = pass[0] as number;
      let armed = this.armed[site];
      if (armed === undefined) {
        this.drain();
        armed = this.armed[site];
        if (armed === undefined) {
          if (this.allOn) readAll(pass, this.siteNames());
          return;
        }
      }
      const self = pass[1];
      let countsOnly = true;
      for (let a = 0; a < armed.length; a++) {
        const arm = armed[a]!;
        if (arm.counts !== false) {
          // Asked until the hook knows the key (it drains its own messages for one it does not).
          arm.counts = this.target.count(arm.key);
          if (arm.counts === true) continue;
        }
        countsOnly = false;
        // `=== undefined` rather than `??`: the fields are never null, and `??` tests both.
        let slots = arm.slots;
        if (slots === undefined) slots = arm.slots = slotsOf(pass, arm.roots, this.siteNames());
        // A log line whose roots the site passes as values reads them in the pass itself: copying
        // them into `values` cost ~100 instructions a hit of two roots (callgrind, scripts/hit-path-loop.mjs site-log).
        if (arm.direct === undefined) arm.direct = allPassed(slots) ? this.target.readsPass(arm.key) : false;
        if (arm.direct === true) {
          this.target.hit(arm.key, pass, self, true, slots);
          continue;
        }
        // Taken while in use: a hit that reaches this site again before the hook returns (the
        // app's own logger, called for a log action, running this line) reads into a fresh array.
        let values = arm.values;
        if (values === undefined) values = new Array<unknown>(slots.length);
        arm.values = undefined;
        readSlots(pass, slots, values);
        this.target.hit(arm.key, values, self, true);
        arm.values = values;
      }
      // Its next hits add to its count (or pass the site alone); a flag the worker set meanwhile (1) stays.
      if (countsOnly && this.armed[site] === armed && !this.allOn) this.S[site] = this.countOnly;
    } catch {
      // A probe never throws into the app.
    }
  }

  /** The hook armed `key` again: a site counting for it passes its bindings at its next hit, which asks the hook anew. */
  rearmed(key: number): void {
    this.armed.forEach((list, site) => {
      const arm = list?.find((a) => a.key === key);
      if (arm === undefined) return;
      arm.counts = undefined;
      arm.direct = undefined;
      if (this.S[site] === this.countOnly) this.S[site] = 1;
    });
  }

  /** A COUNT_ONLY site's hit. A key armed otherwise since, or gone, turns the flag back to 1: the next hit passes the bindings. */
  private count(site: number): void {
    try {
      const armed = this.armed[site];
      if (armed === undefined) return;
      for (let a = 0; a < armed.length; a++) {
        const arm = armed[a]!;
        if (arm.counts === true && this.target.count(arm.key)) continue;
        arm.counts = undefined;
        this.S[site] = 1;
      }
    } catch {
      // A probe never throws into the app.
    }
  }

  setFlags({ key, roots, sites, on }: PreparedFlags): void {
    for (const site of sites) {
      // Counted from the armed lists, not the flags: the worker sets a flag on before this runs.
      const wasOn = this.armed[site] !== undefined;
      const list = (this.armed[site] ?? []).filter((a) => a.key !== key);
      if (on) list.push({ key, roots, slots: undefined, values: undefined, counts: undefined, direct: undefined });
      this.armed[site] = list.length > 0 ? list : undefined;
      const isOn = list.length > 0;
      this.S[site] = isOn || this.allOn ? 1 : 0;
      const fn = this.sites[site * 3 + 2]!;
      if (fn >= 0 && wasOn !== isOn) this.functionUse[fn] = this.functionUse[fn]! + (isOn ? 1 : -1);
      if (fn >= 0) this.F[fn] = this.functionUse[fn]! > 0 || this.allOn ? 1 : 0;
    }
  }
}

/** The sites in shared memory: the worker reads them where they are, and they take half the room of a list of numbers. */
function sharedSites(sites: readonly number[]): Int32Array {
  const shared = new I32(new Shared(sites.length * 4));
  apply(typedArraySet, shared, [sites]);
  return shared;
}

/** A build-prepared file's packed sites, decoded straight into shared memory; a damaged text (not whole triples) gives none. */
function packedSitesOf(text: string): Int32Array | undefined {
  const sites = sharedInts(text);
  return sites && sites.length % 3 === 0 ? sites : undefined;
}

/** Reads every lazily passed binding, as an action would. */
function readAll(pass: SitePass, table: SiteNames | undefined): void {
  if (table === undefined) {
    for (let i = 2; i < pass.length; i += 2) if ((pass[i] as string).charCodeAt(0) === STAR) readLazily(pass[i + 1]);
    return;
  }
  const list = table.lists[table.bySite[pass[0] as number]!] ?? [];
  for (let i = 0; i < list.length; i++) if (table.names[list[i]!]!.charCodeAt(0) === STAR) readLazily(pass[i + 2]);
}

const BUNDLED_AFTER_PREPARE =
  'files prepared by `liveprobe prepare` and then bundled into this script take actions as breakpoints, not on prepared sites; bundle first, then prepare the bundle';

export class PreparedRegistry {
  private readonly files: PreparedFile[] = [];
  private readonly byPath = new Map<string, PreparedFile>();
  /** CommonJS: output prepared for a file about to compile, and its packed position table; its header asks for them by `__filename`. */
  private readonly expected = new Map<string, { output: PreparedOutput; table: PackedTable | undefined }>();
  /** Scripts holding files prepared at build time and then bundled: those files' sites stay unbound. */
  private readonly bundles = new Set<string>();
  /** Files prepared at build time, bound: on disk as prepared. */
  private readonly prebuilt = new Set<string>();
  /** By script, its position table, packed: what stack traces read (stack-traces.ts), the same memory the worker reads. */
  private readonly packed = new Map<string, PackedTable>();
  /** By script, a position table that could not be packed as its file bound (no shared memory then): packed at the next stack through the file. */
  private readonly unpacked = new Map<string, UnpackedTable>();

  constructor(
    private readonly target: HitTarget,
    private readonly worker: MessagePort,
    private readonly sessionOpen: Int32Array,
    private readonly allOn = false,
    /** Called once, when the first prepared file binds (stack traces are remapped only from then on). */
    private readonly firstFile: () => void = () => {},
    /** A file prepared at build time bound, or could not bind (for the agent's status). */
    private readonly prebuiltBound: (report: PrebuiltFileReport | PreparedOutcomeReport) => void = () => {},
    /** Whether a file prepared at build time runs inside another script, which the header names instead (bundled-prebuilt.ts). */
    private readonly runsOutsideItsFile: (script: string) => boolean = () => false,
    /** An ES module's position table, packed by the loader hooks' thread as it prepared the module, by its URL. */
    private readonly moduleTable: (url: string) => PackedTable | undefined = () => undefined,
    /** Shared with the worker: a file binding while an action may take late copies waits for its placement (late-copy-gate.ts). */
    private readonly copyGate: Int32Array = lateCopyGate(),
  ) {
    worker.on('message', (message: PreparedToMain) => this.receive(message));
    target.onRearm((key) => {
      for (const file of this.files) file.rearmed(key);
    });
  }

  private receive(message: PreparedToMain): void {
    if (message.t === 'flags') this.files[message.file]?.setFlags(message);
  }

  private readonly drain = (): void => {
    for (let m = receiveMessageOnPort(this.worker); m !== undefined; m = receiveMessageOnPort(this.worker))
      this.receive(m.message as PreparedToMain);
  };

  expect(path: string, output: PreparedOutput, table?: PackedTable): void {
    this.expected.set(path, { output, table });
  }

  /**
   * Called by a prepared file's header (CommonJS) or its flags module (ESM) as it evaluates. A
   * file prepared at build time passes everything, `prebuilt` set, and an ES module's flags
   * module passes its own URL.
   */
  file(
    name: string,
    sites?: number[],
    functions?: number,
    /** Null from an ES module prepared as it loaded, whose table came packed from the hooks. */
    map?: Record<number, number[]> | null,
    sourceMappingURL?: string | null,
    prebuilt?: 1,
    names?: SiteNames | null,
    /** 1 from a file prepared at build time whose sites add to K: an older one constructs `$lpC`. */
    countsInPlace?: 1,
    /** From a file prepared at build time since build17: its position table, packed (its `map` is null then). */
    packed?: string,
    /** From a file prepared at build time since tail18: its sites, packed (its `sites` are empty then). */
    packedSites?: string,
    /** Since tail18 too: its site names as JSON text (its `names` are null then). */
    namesText?: string,
  ): FileFlags {
    const path = prebuilt === 1 ? prebuiltScript(name) : name;
    const known = this.byPath.get(path);
    if (known !== undefined) return known;
    // An ES module's flags module names itself (`….lp-flags.mjs`), which a bundler taking it in
    // would have replaced by the bundle's name: only a CommonJS file's `__filename` needs its script read.
    const ownFlagsModule = name !== path;
    if (prebuilt === 1 && (this.bundles.has(path) || (!ownFlagsModule && this.runsOutsideItsFile(path))))
      return this.bundled(path, packedSites === undefined ? (sites?.length ?? 0) / 3 : intsIn(packedSites) / 3, functions);
    const { output: expected, table } = this.expected.get(path) ?? {};
    this.expected.delete(path);
    const file = new PreparedFile(
      this.files.length,
      path,
      (prebuilt === 1 && packedSites !== undefined ? packedSitesOf(packedSites) : undefined) ?? sharedSites(sites ?? expected?.sites ?? []),
      functions ?? expected?.functions ?? 0,
      this.target,
      this.drain,
      this.allOn,
      // A file prepared as it loads is this agent's own transform's output.
      prebuilt !== 1 || countsInPlace === 1,
      // A file prepared at build time before SiteNames passes none (its sites pass names inline).
      (prebuilt === 1 ? namesText : undefined) ?? names ?? expected?.siteNames,
    );
    if (this.files.length === 0) this.firstFile();
    this.files.push(file);
    this.byPath.set(path, file);
    if (prebuilt === 1) this.prebuilt.add(path);
    const mapUrl = sourceMappingURL ?? expected?.sourceMappingURL;
    // Packed where the file was prepared as it loaded (an ES module: on the hooks' thread); a
    // file prepared at build time passes it packed, decoded here straight into shared memory with
    // no work per entry (typescript.js's: 13–40 M instructions), or, written by an older CLI, its
    // table's object, packed here (100–110 M), so that neither thread keeps the object.
    const unpacked = (prebuilt === 1 ? packed : undefined) ?? map ?? expected?.map;
    const shared =
      table ??
      (prebuilt !== 1 && path.startsWith('file:') ? this.moduleTable(path) : undefined) ??
      (prebuilt === 1 && unpacked !== undefined ? sharedTable(unpacked) : undefined);
    if (shared) this.packed.set(path, shared);
    // A damaged text (null) is not tried again at every stack.
    else if (shared === undefined && unpacked !== undefined) this.unpacked.set(path, unpacked);
    const message: PreparedToWorker = {
      t: 'file',
      file: file.index,
      path,
      sites: file.sites,
      F: file.F,
      S: file.S,
      K: file.K,
      ...(shared ? { table: shared } : {}),
      ...(mapUrl === undefined ? {} : { sourceMappingURL: mapUrl }),
      ...(prebuilt === 1 ? { prebuilt: true } : {}),
    };
    this.worker.postMessage(message);
    if (prebuilt === 1) this.prebuiltBound({ t: 'outcome', path, kind: 'prebuilt' });
    // Another copy of a module an action is on (a page's bundle loaded by its first request): its
    // sites are on before its body runs, the caller being its header or flags module (a hit takes
    // the flag messages queued meanwhile).
    awaitPlacement(this.copyGate, file.index);
    return file;
  }

  /**
   * A bundler put files prepared at build time into `path`, a script of its own, whose name
   * each file's header now gives: the agent cannot tell their sites apart, so they stay
   * unbound (flags off, as without the agent) and actions on their lines take breakpoints
   * through the bundle's source map. Said once per bundle, in the agent's status.
   */
  private bundled(path: string, sites: number, functions: number | undefined): FileFlags {
    if (!this.bundles.has(path)) {
      this.bundles.add(path);
      this.prebuiltBound({ t: 'outcome', path, kind: 'failed', reason: BUNDLED_AFTER_PREPARE, ms: 0, bytes: 0 });
    }
    return unboundFlags(Math.max(0, Math.floor(sites)), functions ?? 0);
  }

  /** Whether the agent's inspector session is open now: actions on prepared lines never open it. */
  get inspectorSessionOpen(): boolean {
    return Atomics.load(this.sessionOpen, 0) > 0;
  }

  /** The position table of a prepared script, by the name V8 gives it. */
  tableOf(path: string): PackedTable | undefined {
    const packed = this.packed.get(path);
    if (packed !== undefined) return packed;
    const unpacked = this.unpacked.get(path);
    if (unpacked === undefined) return undefined;
    // Without shared memory now, the table stays for the next stack to try again.
    const table = sharedTable(unpacked);
    if (table === undefined) return undefined;
    this.unpacked.delete(path);
    if (table === null) return undefined;
    this.packed.set(path, table);
    return table;
  }

  /** Whether a script, by the name V8 gives it, is a file prepared at build time (its text on disk is the prepared one). */
  preparedOnDisk(path: string): boolean {
    return this.prebuilt.has(path);
  }
}
