/**
 * Installs and removes actions as non-pausing conditional breakpoints (install path 1),
 * reconciling toward the desired set. Operations run one at a time, in order.
 */
import { ExpressionError, type Action, type ActionState } from '@liveprobe/protocol';
import type { HookChannel, ToMain } from '../bridge.js';
import type { CdpTransport } from './cdp-transport.js';
import { armFields, type ArmFields } from '../locate/arm-spec.js';
import { armedExpressions, BlockedByAgentError, type Blocklist, type BlocklistTarget } from '../locate/blocklist.js';
import { conditionSource } from './condition-source.js';
import { functionNameAt } from '../locate/function-name.js';
import { InspectorSession, type LoadedScript } from './inspector-session.js';
import { checkLineText, SourceDiffersError } from '../locate/line-text.js';
import { LocationError, LocationResolver } from './location-resolver.js';
import { ScriptStartPause } from './script-start-pause.js';
import { sitesFor, type Site, type SiteContext } from './sites.js';
import { analyseSource, type AnalysedSource } from '../locate/source-analysis.js';
import type { PlacedSite, PlannedSite, PreparedPlacement, PreparedSites } from './prepared/prepared-sites.js';

export interface StatusReport {
  actionId: string;
  state: ActionState;
  message?: string;
  location?: { file: string; line: number };
}

export interface Probe {
  action: Action;
  /** The first breakpoint's key; tic-toc and duration actions have more. */
  key: number;
  keys: number[];
  /** Empty until installed (e.g. while waiting for the script to load). */
  breakpointIds: string[];
  /** Where it is installed, in the user's source. */
  file?: string;
  line?: number;
  functionName?: string;
  expiryTimer?: NodeJS.Timeout;
  /** What it takes to set the breakpoints again after a pause. */
  placements: Placement[];
  /** Set when installed on prepared sites (install path 2) instead of breakpoints. */
  prepared?: PreparedPlacement;
  /** Why an action on a prepared file could not take prepared sites, for the status. */
  unprepared?: string;
  /** Set while a quota keeps it out of V8. */
  pause?: { timer: NodeJS.Timeout };
  /** Recent pauses, for backing off an action that keeps exceeding its quota. */
  pauses: number[];
  /** What the blocklist was asked about when it was installed, to ask again when the blocklist changes. */
  checked: BlocklistTarget[];
}

interface Placement {
  script: LoadedScript;
  line: number;
  column: number | undefined;
  condition: string;
  key: number;
}

const FIRST_PAUSE_MS = 1000;
const LONGEST_PAUSE_MS = 60_000;

export class ProbeEngine {
  private readonly probes = new Map<string, Probe>();
  private readonly byKey = new Map<number, Probe>();
  /** Actions that reached their hit limit or expiry: never reinstalled while still desired. */
  private readonly finished = new Set<string>();
  /** Finished because the blocklist refused them, with what it was asked: installed again when a new one allows that. */
  private readonly blocked = new Map<string, { action: Action; checked: BlocklistTarget[] }>();
  private readonly analyses = new Map<string, AnalysedSource | undefined>();
  private readonly session: InspectorSession;
  private readonly scriptStarts: ScriptStartPause;
  readonly locations: LocationResolver;
  private readonly sites: SiteContext;
  private nextKey = 1;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    /** Where the probe hook listens: the app's main thread, or an injected hook in a remote target. */
    private readonly hook: HookChannel,
    private readonly report: (status: StatusReport) => void,
    private readonly log: (line: string) => void,
    /** A new CDP session each time one is needed (the session is open only while actions exist). */
    transport: () => CdpTransport,
    /** The agent's own blocklist: checked before every install, whatever the control plane sent. */
    private blocklist: Blocklist,
    /** Prepared files (install path 2): an action on a prepared line flips a flag instead of opening the inspector. */
    private readonly prepared?: PreparedSites,
  ) {
    this.session = new InspectorSession(
      (script) => void this.enqueue(() => this.retryPending(script)),
      transport,
      (pause) => this.scriptStarts.paused(pause),
    );
    // Paused before a script runs: place what waits for it (its placement was queued when the
    // script was parsed, before the pause), and move what a prepared file loaded just before it
    // can take (its announcement may still be queued), before the app goes on.
    this.scriptStarts = new ScriptStartPause(
      this.session,
      () => {
        this.prepared?.drainFiles();
        return this.queue;
      },
      log,
    );
    this.locations = new LocationResolver(this.session);
    this.sites = { locations: this.locations, session: this.session, analysis: (script) => this.analysis(script) };
    prepared?.onFile(() => void this.enqueue(() => this.preferPrepared()));
  }

  /** Actions installed, waiting for their script, or paused. */
  get size(): number {
    return this.probes.size;
  }

  /** A generated position → the user's source: through the inspector's scripts, or a prepared file's own map. */
  async originalPosition(path: string, line: number, column: number): Promise<{ file: string; line: number; column: number } | undefined> {
    return (await this.locations.original(path, line, column)) ?? (await this.prepared?.original(path, line, column));
  }

  probeFor(key: number): Probe | undefined {
    return this.byKey.get(key);
  }

  /** Reconciles toward `desired`: installs what is new, removes what is gone. Idempotent. */
  reconcile(desired: readonly Action[]): Promise<void> {
    return this.enqueue(async () => {
      const wanted = new Map(desired.map((a) => [a.id, a]));
      for (const id of [...this.probes.keys()]) {
        if (!wanted.has(id)) await this.remove(id, 'removed', 'the action was removed');
      }
      for (const id of this.finished) if (!wanted.has(id)) this.finished.delete(id);
      for (const id of this.blocked.keys()) if (!wanted.has(id)) this.blocked.delete(id);
      for (const action of wanted.values()) {
        if (!this.probes.has(action.id) && !this.finished.has(action.id)) await this.install(action);
      }
      this.closeIfIdle();
    });
  }

  /** The main thread saw the hit limit or the expiry. */
  finish(key: number, reason: 'hit_limit' | 'expired'): Promise<void> {
    return this.enqueue(async () => {
      const probe = this.byKey.get(key);
      if (probe === undefined) return;
      const message =
        reason === 'hit_limit' ? `reached its limit of ${probe.action.maxHits} hit${probe.action.maxHits === 1 ? '' : 's'}` : 'expired';
      await this.remove(probe.action.id, reason, message);
      this.finished.add(probe.action.id);
      this.closeIfIdle();
    });
  }

  close(): void {
    for (const probe of this.probes.values()) {
      clearTimeout(probe.expiryTimer);
      clearTimeout(probe.pause?.timer);
    }
    this.probes.clear();
    this.byKey.clear();
    this.closeSession();
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue
      .then(async () => {
        try {
          await task();
        } finally {
          // Only tasks change which actions wait for their script.
          await this.scriptStarts.update([...this.probes.values()].some(waitsForScript));
        }
      })
      .catch((err: unknown) => this.log(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
    this.queue = run;
    return run;
  }

  private async install(action: Action): Promise<void> {
    const remaining = Date.parse(action.expiresAt) - Date.now();
    if (!(remaining > 0)) {
      this.finished.add(action.id);
      this.report({ actionId: action.id, state: 'expired', message: `expired at ${action.expiresAt}` });
      return;
    }
    const key = this.nextKey++;
    const probe: Probe = { action, key, keys: [key], breakpointIds: [], placements: [], pauses: [], checked: [] };
    probe.expiryTimer = setTimeout(() => void this.finish(probe.key, 'expired'), Math.min(remaining, 2 ** 31 - 1));
    probe.expiryTimer.unref();
    this.probes.set(action.id, probe);
    this.byKey.set(probe.key, probe);
    if (await this.placePrepared(probe)) return;
    await this.session.open();
    await this.place(probe);
  }

  /** Installs on prepared sites when every position the action needs has one; false otherwise (use breakpoints). */
  private async placePrepared(probe: Probe): Promise<boolean> {
    const plan = await this.prepared?.plan(probe.action);
    if (plan === undefined || !('sites' in plan)) {
      probe.unprepared = plan?.unprepared;
      return false;
    }
    await this.installPrepared(probe, plan);
    return true;
  }

  private async installPrepared(probe: Probe, plan: { sites: PlannedSite[] }): Promise<void> {
    const { action } = probe;
    probe.checked = [];
    try {
      probe.prepared = await this.prepared!.install(action, plan, {
        blocklist: this.blocklist.recording((target) => probe.checked.push(target)),
        post: (message) => this.post(message),
        key: (index) => this.keyFor(probe, index),
        installed: (placed) => {
          Object.assign(probe, placed[0]);
          const described = placed.length > 1 ? describePlacement(action, placed) : undefined;
          const message = described === undefined ? 'prepared site (no breakpoint)' : `prepared sites (no breakpoint); ${described}`;
          this.report({ actionId: action.id, state: 'installed', message, location: { file: placed[0]!.file, line: placed[0]!.line } });
        },
      });
    } catch (err) {
      if (err instanceof BlockedByAgentError) return this.block(probe, err.message);
      if (err instanceof ExpressionError || err instanceof SourceDiffersError) return this.fail(probe, err.message, false);
      throw err;
    }
  }

  /** A prepared file loaded after some actions took breakpoints or began waiting: move those that now have every site they need. */
  private async preferPrepared(): Promise<void> {
    for (const probe of [...this.probes.values()]) {
      if (probe.prepared !== undefined || probe.pause !== undefined) continue;
      const plan = await this.prepared!.plan(probe.action);
      if (!('sites' in plan)) {
        probe.unprepared = plan.unprepared;
        continue;
      }
      for (const id of probe.breakpointIds.splice(0)) await this.session.removeBreakpoint(id);
      probe.placements = [];
      // The first key is armed again on the prepared site, with the hits it already counted.
      for (const key of probe.keys.splice(1)) {
        this.post({ t: 'disarm', key });
        this.byKey.delete(key);
      }
      await this.installPrepared(probe, plan);
    }
    this.closeIfIdle();
  }

  /** The key of the probe's n-th site: its own key first, then new ones. */
  private keyFor(probe: Probe, index: number): number {
    if (index === 0) return probe.key;
    const key = this.nextKey++;
    probe.keys.push(key);
    this.byKey.set(key, probe);
    return key;
  }

  /** Tries to set the breakpoints; when no script matches yet the probe stays pending. */
  private async place(probe: Probe): Promise<void> {
    const { action } = probe;
    let sites: Site[];
    let arms: ArmFields[];
    try {
      sites = await sitesFor(action, probe.key, this.sites);
      if (action.lineText !== undefined && action.line > 0)
        await checkLineText(action.lineText, action.line, sites[0]!.resolved, sites[0]!.analysed);
      arms = sites.map((site) => armFields(action, site.analysed, site.offset, site.role));
    } catch (err) {
      if (err instanceof LocationError) return this.fail(probe, err.message, err.waiting);
      if (err instanceof ExpressionError || err instanceof SourceDiffersError) return this.fail(probe, err.message, false);
      throw err;
    }
    // The agent's own blocklist, at every site: a blocked file may also be reached through a source map.
    probe.checked = [];
    for (const [index, { resolved, analysed, offset }] of sites.entries()) {
      const target: BlocklistTarget = {
        files: [action.file, resolved.file, resolved.script.path],
        functionName: analysed === undefined ? undefined : functionNameAt(analysed, offset),
        expressions: armedExpressions(arms[index]!),
      };
      probe.checked.push(target);
      try {
        this.blocklist.check(target);
      } catch (err) {
        if (err instanceof BlockedByAgentError) return this.block(probe, err.message);
        throw err;
      }
    }
    const placed: PlacedSite[] = [];
    for (const [index, site] of sites.entries()) {
      const key = this.keyFor(probe, index);
      const { resolved, analysed, offset } = site;
      const functionName = analysed === undefined ? undefined : functionNameAt(analysed, offset);
      const { usesThis, ...fields } = arms[index]!;
      this.post({
        t: 'arm',
        key,
        actionId: action.id,
        ...fields,
        maxHits: action.maxHits,
        expiresAt: Date.parse(action.expiresAt),
        file: resolved.file,
        line: resolved.line,
        ...(functionName === undefined ? {} : { functionName }),
      });
      const placement: Placement = {
        script: resolved.script,
        line: resolved.generated.line,
        column: resolved.generated.column,
        condition: conditionSource(key, fields.roots, usesThis),
        key,
      };
      const result = await this.session.setBreakpoint(placement.script, placement.line, placement.column, placement.condition, key);
      if (result.location === undefined) {
        await this.session.removeBreakpoint(result.breakpointId);
        await this.unset(probe);
        return this.fail(probe, `line ${resolved.line} of ${resolved.file} has no code V8 can stop at`, false);
      }
      probe.breakpointIds.push(result.breakpointId);
      probe.placements.push(placement);
      // V8 may move a breakpoint on a line without code to the next statement: report where it went.
      const line =
        resolved.map === undefined
          ? result.location.line
          : (resolved.map.originalFor(result.location.line, result.location.column)?.line ?? resolved.line);
      placed.push({
        file: resolved.map === undefined ? resolved.script.path : resolved.file,
        line,
        ...(functionName === undefined ? {} : { functionName }),
      });
    }
    const first = placed[0]!;
    probe.file = first.file;
    probe.line = first.line;
    probe.functionName = first.functionName;
    const described = describePlacement(action, placed);
    const path = probe.unprepared === undefined ? 'breakpoint' : `breakpoint (not on prepared sites: ${probe.unprepared})`;
    this.report({
      actionId: action.id,
      state: 'installed',
      message: described === undefined ? path : `${path}; ${described}`,
      location: { file: first.file, line: first.line },
    });
  }

  /**
   * A quota was exceeded: the breakpoints leave V8 (one left in place keeps its callers slow),
   * and come back when the quota has refilled; an action that keeps exceeding waits longer.
   */
  pause(key: number, reason: string): Promise<void> {
    return this.enqueue(async () => {
      const probe = this.byKey.get(key);
      if (probe === undefined || probe.pause !== undefined) return;
      for (const id of probe.breakpointIds.splice(0)) await this.session.removeBreakpoint(id);
      if (probe.prepared !== undefined) this.prepared?.set(probe.prepared, false);
      const now = Date.now();
      probe.pauses = probe.pauses.filter((t) => now - t < LONGEST_PAUSE_MS).concat(now);
      const delay = Math.min(FIRST_PAUSE_MS * 2 ** (probe.pauses.length - 1), LONGEST_PAUSE_MS);
      const timer = setTimeout(() => void this.resume(probe, delay), delay);
      timer.unref();
      probe.pause = { timer };
      this.report({ actionId: probe.action.id, state: 'paused', message: `${reason}; resuming in ${delay / 1000} s` });
    });
  }

  private resume(probe: Probe, after: number): Promise<void> {
    return this.enqueue(async () => {
      if (this.probes.get(probe.action.id) !== probe || probe.pause === undefined) return;
      probe.pause = undefined;
      this.post({ t: 'resume', keys: probe.keys });
      if (probe.prepared !== undefined) this.prepared?.set(probe.prepared, true);
      for (const p of probe.placements) {
        const result = await this.session.setBreakpoint(p.script, p.line, p.column, p.condition, p.key);
        probe.breakpointIds.push(result.breakpointId);
      }
      this.report({ actionId: probe.action.id, state: 'resumed', message: `resumed after ${after / 1000} s; the quota has refilled` });
    });
  }

  /**
   * V8 keeps memory for every breakpoint condition it evaluates (ARCHITECTURE §8) and reuses it
   * only in a new session: after enough hits, close the session and set every breakpoint again.
   * Hits in the few milliseconds between are not seen.
   */
  recycle(hits: number): Promise<void> {
    return this.enqueue(async () => {
      const installed = [...this.probes.values()].filter((p) => p.breakpointIds.length > 0);
      if (this.session.isOpen) {
        this.closeSession();
        await this.session.open();
        for (const probe of installed) {
          probe.breakpointIds = [];
          for (const p of probe.placements)
            probe.breakpointIds.push((await this.session.setBreakpoint(p.script, p.line, p.column, p.condition, p.key)).breakpointId);
        }
        this.log(
          `recycled the inspector session after ${hits} breakpoint hits, so V8 can reuse what it kept for them; ${installed.length} action(s) set again`,
        );
      }
      this.post({ t: 'recycled' });
    });
  }

  /**
   * The agent's configuration has a new blocklist: actions it forbids leave the app now, with a
   * status naming the rule, and those only the previous one refused are installed again.
   */
  applyBlocklist(blocklist: Blocklist): Promise<void> {
    return this.enqueue(async () => {
      this.blocklist = blocklist;
      for (const probe of [...this.probes.values()]) {
        const refusal = refusalOf(blocklist, probe.checked);
        if (refusal === undefined) continue;
        await this.unset(probe);
        this.block(probe, `removed after the agent's configuration changed: ${refusal.message}`);
      }
      for (const [id, { action, checked }] of [...this.blocked]) {
        if (refusalOf(blocklist, checked) !== undefined) continue;
        this.blocked.delete(id);
        this.finished.delete(id);
        await this.install(action);
      }
      this.closeIfIdle();
    });
  }

  private block(probe: Probe, message: string): void {
    this.fail(probe, message, false);
    this.blocked.set(probe.action.id, { action: probe.action, checked: probe.checked });
  }

  private fail(probe: Probe, message: string, waiting: boolean): void {
    this.report({ actionId: probe.action.id, state: 'error', message });
    if (!waiting) {
      // Nothing that loads later can fix this one: stop tracking it until the action changes.
      this.forget(probe);
      this.finished.add(probe.action.id);
    }
  }

  private async analysis(script: LoadedScript): Promise<AnalysedSource | undefined> {
    if (!this.analyses.has(script.scriptId)) this.analyses.set(script.scriptId, analyseSource(await this.session.source(script)));
    return this.analyses.get(script.scriptId);
  }

  private async retryPending(script: LoadedScript): Promise<void> {
    for (const probe of this.probes.values()) {
      if (!waitsForScript(probe)) continue;
      const name = probe.action.file.replace(/\\/g, '/').split('/').pop() ?? '';
      // Cheap filter first: a new script can only help an action whose file name it shares (or maps from).
      if (script.sourceMapURL === undefined && !script.path.endsWith(`/${name}`)) continue;
      await this.place(probe);
    }
  }

  private async remove(actionId: string, state: ActionState, message: string): Promise<void> {
    const probe = this.probes.get(actionId);
    if (probe === undefined) return;
    this.forget(probe);
    await this.unset(probe);
    this.report({ actionId, state, message });
  }

  /** Removes every breakpoint of the probe and disarms its keys on the main thread. */
  private async unset(probe: Probe): Promise<void> {
    for (const id of probe.breakpointIds.splice(0)) await this.session.removeBreakpoint(id);
    if (probe.prepared !== undefined) this.prepared?.set(probe.prepared, false);
    for (const key of probe.keys) this.post({ t: 'disarm', key });
  }

  private forget(probe: Probe): void {
    this.probes.delete(probe.action.id);
    for (const key of probe.keys) this.byKey.delete(key);
    clearTimeout(probe.expiryTimer);
    clearTimeout(probe.pause?.timer);
  }

  private closeIfIdle(): void {
    // Actions on prepared sites do not need the session.
    if (this.session.isOpen && [...this.probes.values()].every((p) => p.prepared !== undefined)) {
      this.closeSession();
      this.log(this.probes.size === 0 ? 'no actions left; inspector session closed' : 'no breakpoints left; inspector session closed');
    }
  }

  private closeSession(): void {
    this.session.close();
    this.scriptStarts.dropped();
    this.analyses.clear();
    this.locations.forget();
  }

  private post(message: ToMain): void {
    this.hook.postMessage(message);
  }
}

function refusalOf(blocklist: Blocklist, targets: readonly BlocklistTarget[]): BlockedByAgentError | undefined {
  try {
    for (const target of targets) blocklist.check(target);
    return undefined;
  } catch (err) {
    if (err instanceof BlockedByAgentError) return err;
    throw err;
  }
}

/** Neither installed (breakpoints or prepared sites) nor held back by a quota: no loaded script matched it yet. */
function waitsForScript(probe: Probe): boolean {
  return probe.breakpointIds.length === 0 && probe.pause === undefined && probe.prepared === undefined;
}

/** The status message: where a moved line went, or what a tic-toc or a duration measures. */
function describePlacement(action: Action, placed: PlacedSite[]): string | undefined {
  const first = placed[0]!;
  if (action.type === 'duration') {
    const exits = placed.length - 1;
    return `measuring ${first.functionName ?? 'the function'} from line ${first.line} to its ${exits} exit${exits === 1 ? '' : 's'} (returns and throws)`;
  }
  if (action.type === 'tictoc') return `tic at line ${first.line}, toc at line ${placed[1]?.line ?? '?'}`;
  return first.line !== action.line
    ? `line ${action.line} has no code; installed at line ${first.line}, the next line with code`
    : undefined;
}
