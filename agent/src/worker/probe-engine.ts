/**
 * Installs and removes actions as non-pausing conditional breakpoints (install path 1) or on
 * prepared sites (install path 2), reconciling toward the desired set. Operations run one at a
 * time, in order; each probe's state and the moves between states are in probe-state.ts.
 */
import { defined } from '@liveprobe/protocol/util';
import { type Action, type ActionState, ExpressionError, TOP_LEVEL_CODE } from '@liveprobe/protocol';
import type { ArmProbe, Calibrated, DutyCycle, HookChannel, ToMain } from '../bridge.js';
import { BreakCalibration, type Measured, type Overhead } from './break-calibration.js';
import type { PauseReaders } from './pause-readers.js';
import { functionCopy } from './function-copy.js';
import { ActionEdits } from './action-edits.js';
import { agentFileAmong, AgentFileError } from '../locate/agent-files.js';
import { type ArmFields, armAcross, armFields, rateOf } from '../locate/arm-spec.js';
import { armedExpressions, BlockedByAgentError, type Blocklist, type BlocklistTarget } from '../locate/blocklist.js';
import { functionNameAt, renamedFunctionAt, topLevelAt } from '../locate/function-name.js';
import { UnsafeLineError } from '../locate/global-names.js';
import { checkLineText, SourceDiffersError } from '../locate/line-text.js';
import { reportedOffset } from '../locate/reported-line.js';
import { type AnalysedSource, analyseSource, offsetOf, positionOf } from '../locate/source-analysis.js';
import { separatePlaces, skipBlanks } from '../locate/separate-places.js';
import { functionAround, statementStartAt } from '../locate/statement-start.js';
import { suspendedCallAt, throwKindAt } from '../locate/throw-statement.js';
import { AnalysisCache } from './analysis-cache.js';
import { ScriptsOnDisk } from './scripts-on-disk.js';
import type { CdpTransport } from './cdp-transport.js';
import { conditionAt } from './condition-source.js';
import { InspectorSession, type LoadedScript } from './inspector-session.js';
import { LocationError, LocationResolver } from './location-resolver.js';
import { shownSource } from '../prepare/prebuilt.js';
import type { PlacedSite, PlannedSite, PreparedPlacement, PreparedSites } from './prepared/prepared-sites.js';
import { advance, type EndedState, isEnded, type OnBreakpoints, type Placement, type Probe, preparedPlacement } from './probe-state.js';
import type { CpuClock } from './main-thread-cpu.js';
import { ScriptStartPause } from './script-start-pause.js';
import { copiesMayLoad, inBundle, preparedCopiesMayLoad } from './late-copies.js';
import { SAMPLING_STATUS_MS, samplingText } from './sampling-status.js';
import { SETTLE_MS, WindowCost } from './window-cost.js';
import { positionKey, type Site, type SiteContext, sitesFor } from './sites.js';

export type { Probe } from './probe-state.js';

export interface StatusReport {
  actionId: string;
  state: ActionState;
  message?: string;
  location?: { file: string; line: number };
  /** An installed action's status again, with news of how it samples: not a new install. */
  restated?: true;
}

const FIRST_PAUSE_MS = 1000;
const LONGEST_PAUSE_MS = 60_000;

export class ProbeEngine {
  /** Every desired action the engine has seen, live or ended (an ended one is not installed again). */
  private readonly probes = new Map<string, Probe>();
  /** Live probes by each of their keys. */
  private readonly byKey = new Map<number, Probe>();
  private readonly analyses = new AnalysisCache<Promise<AnalysedSource | undefined>>();
  private readonly onDisk = new ScriptsOnDisk();
  private readonly session: InspectorSession;
  private readonly scriptStarts: ScriptStartPause;
  readonly locations: LocationResolver;
  private readonly sites: SiteContext;
  private readonly calibration: BreakCalibration;
  private nextKey = 1;
  private readonly edits = new ActionEdits();
  /** Edited actions' first keys, armed again by their new definition so the main thread keeps their hit counts. */
  private readonly editedKeys = new Map<string, number>();
  private queue: Promise<void> = Promise.resolve();
  /** Waiting for the calibration of their function before they are placed (placeOnceCalibrated). */
  private readonly calibrating = new Set<Probe>();
  /** Hits a sampling breakpoint missed while out of V8, estimated from its rate while in (counted as not exported). */
  onSampledOut: (actionId: string, hits: number) => void = () => {};

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
    /** A session opened at start-up (LIVEPROBE_INSPECTOR_SESSION=startup): taken now and never closed while the agent runs. */
    private readonly startupSession?: CdpTransport,
    /** The app's main thread's CPU clock, which sampling windows are measured on; none: the hook's estimate paces them. */
    private readonly mainCpu?: CpuClock,
    /** Told whether V8 pauses before new scripts (the app's CommonJS loader gates modules meanwhile). */
    pausing?: (on: boolean) => void,
    /** Shared with the exception watch's session: a pause ends when neither reads it any more. */
    pauses?: PauseReaders,
  ) {
    let startup = startupSession;
    this.session = new InspectorSession(
      (script) => void this.enqueue(() => this.retryWaiting(script)),
      () => {
        const first = startup;
        startup = undefined;
        return first ?? transport();
      },
      (pause) => this.scriptStarts.paused(pause),
      (scriptIds) => {
        this.locations.drop(scriptIds);
        for (const id of scriptIds) this.analyses.delete(id);
      },
      pauses,
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
      pausing,
      () => this.session.latestUrl,
    );
    this.locations = new LocationResolver(this.session, async (script) => {
      if (this.prepared?.holds(script.path) !== true) return undefined;
      const analysed = await this.analysis(script);
      return analysed === undefined ? undefined : this.prepared.runningText(script.path, analysed.source);
    });
    this.sites = {
      locations: this.locations,
      session: this.session,
      analysis: (script) => this.analysis(script),
      copies: async (script, analysed, at) => (await this.prepared?.copiesOf(script.path, analysed, at)) ?? [],
    };
    this.calibration = new BreakCalibration(
      this.session,
      (message) => this.post(message),
      () => this.newKey(),
      log,
    );
    // The file's binding waits for this while an action may take a late copy (late-copy-gate.ts).
    prepared?.onFile((file) => void this.enqueue(() => this.preferPrepared()).then(() => prepared.placed(file)));
    if (startupSession !== undefined) void this.enqueue(() => this.openSession());
  }

  /** Actions installed, waiting for their script, or paused. */
  get size(): number {
    return this.live().length;
  }

  /** A key no probe of this engine uses, for another part of the agent that arms probes (the exception watch). */
  newKey(): number {
    return this.nextKey++;
  }

  /**
   * A stack frame's generated position → the user's source: through a prepared file's code as
   * written (the agent's stack-trace remapping gives its frames there, breakpoint or prepared
   * site alike), the inspector's scripts, or a script's on disk.
   */
  async originalPosition(path: string, line: number, column: number): Promise<{ file: string; line: number; column: number } | undefined> {
    const prepared = this.prepared?.holds(path) === true ? await this.prepared.original(path, line, column) : undefined;
    if (prepared !== undefined) return prepared;
    const known = await this.locations.original(path, line, column);
    if (known !== undefined) return known;
    // A script the session does not know (it is closed: actions on prepared sites open none).
    return this.session.script(path) === undefined ? this.onDisk.original(path, line, column) : undefined;
  }

  /**
   * The source's name of the function around a generated position, where a minifier renamed it
   * (snapshot stacks, frame-names.ts): a prepared file through its code as written, any other
   * script through its source as V8 has it while the session is open, else as it is on disk.
   */
  async renamedFunctionAt(path: string, line: number, column: number): Promise<string | undefined> {
    if (this.prepared?.holds(path) === true) return this.prepared.renamedFunctionAt(path, line, column);
    const script = this.session.script(path);
    if (script === undefined) return this.onDisk.renamedFunctionAt(path, line, column);
    const [analysed, map] = await Promise.all([this.analysis(script), this.locations.mapFor(path)]);
    return analysed === undefined || map === undefined ? undefined : renamedFunctionAt(analysed, offsetOf(analysed, line, column), map);
  }

  /** The main thread's answer to the breakpoint calibration. */
  calibrated(result: Calibrated): void {
    this.calibration.received(result);
  }

  probeFor(key: number): Probe | undefined {
    return this.byKey.get(key);
  }

  /** Reconciles toward `desired`: installs what is new, removes what is gone. Idempotent. */
  reconcile(desired: readonly Action[]): Promise<void> {
    return this.enqueue(async () => {
      const wanted = new Map(desired.map((a) => [a.id, a]));
      for (const id of this.edits.changed(desired)) await this.dropEdited(id);
      for (const probe of [...this.probes.values()]) {
        if (wanted.has(probe.action.id)) continue;
        if (isEnded(probe.state)) this.probes.delete(probe.action.id);
        else await this.remove(probe);
      }
      for (const action of wanted.values()) if (!this.probes.has(action.id)) await this.install(action);
      for (const [id, key] of this.editedKeys) if (this.probes.get(id)?.keys[0] !== key) this.post({ t: 'disarm', key });
      this.editedKeys.clear();
      this.closeIfIdle();
    });
  }

  /**
   * An edited action leaves V8 (or its prepared sites) so its new definition installs fresh,
   * except its first key, which stays armed on the main thread until armed again: its hits count
   * on toward the limit. One that had ended (hit limit, expiry, blocked, an error) gets another try.
   */
  private async dropEdited(id: string): Promise<void> {
    const probe = this.probes.get(id);
    if (probe === undefined) return;
    this.probes.delete(id);
    if (isEnded(probe.state)) return;
    const first = probe.keys[0];
    await this.unset(probe, first);
    if (first !== undefined) this.editedKeys.set(id, first);
  }

  /** The main thread saw the hit limit or the expiry. */
  finish(key: number, reason: 'hit_limit' | 'expired'): Promise<void> {
    return this.enqueue(async () => {
      const probe = this.byKey.get(key);
      if (probe === undefined) return;
      const { maxHits } = probe.action;
      await this.end(probe, { kind: 'finished', reason });
      this.report({
        actionId: probe.action.id,
        state: reason,
        message: reason === 'hit_limit' ? `reached its limit of ${maxHits} hit${maxHits === 1 ? '' : 's'}` : 'expired',
      });
      this.closeIfIdle();
    });
  }

  close(): void {
    for (const probe of this.live()) this.stopTimers(probe);
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
          // Only tasks change which actions wait for their script, or have copies still to come.
          this.prepared?.awaitCopies(this.live().some((p) => preparedCopiesMayLoad(p.state)));
          await this.scriptStarts.update(this.live().some((p) => p.state.kind === 'waiting' || copiesMayLoad(p.state)));
        }
      })
      .catch((err: unknown) => this.log(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
    this.queue = run;
    return run;
  }

  private live(): Probe[] {
    return [...this.probes.values()].filter((p) => !isEnded(p.state));
  }

  private async install(action: Action): Promise<void> {
    const remaining = Date.parse(action.expiresAt) - Date.now();
    if (!(remaining > 0)) {
      this.probes.set(action.id, { action, state: { kind: 'finished', reason: 'expired' }, keys: [], pauses: [], checked: [] });
      this.report({ actionId: action.id, state: 'expired', message: `expired at ${action.expiresAt}` });
      return;
    }
    // Named as the agent's own file: refused at once, before waiting for it to load (the blocklist
    // check at each site catches the agent's files reached under another name).
    const own = agentFileAmong(action.type === 'tictoc' && action.toc.file !== undefined ? [action.file, action.toc.file] : [action.file]);
    if (own !== undefined) {
      const message = new AgentFileError(own).message;
      this.probes.set(action.id, { action, state: { kind: 'error', message }, keys: [], pauses: [], checked: [] });
      this.report({ actionId: action.id, state: 'error', message });
      return;
    }
    const key = this.editedKeys.get(action.id) ?? this.nextKey++;
    const probe: Probe = { action, state: { kind: 'waiting' }, keys: [key], pauses: [], checked: [] };
    probe.expiryTimer = setTimeout(() => void this.finish(key, 'expired'), Math.min(remaining, 2 ** 31 - 1));
    probe.expiryTimer.unref();
    this.probes.set(action.id, probe);
    this.byKey.set(key, probe);
    if (await this.placePrepared(probe)) return;
    await this.openSession();
    await this.place(probe);
  }

  /** Installs on prepared sites when every position the action needs has one; false otherwise (use breakpoints). */
  private async placePrepared(probe: Probe): Promise<boolean> {
    const plan = await this.prepared?.plan(probe.action);
    if (plan === undefined || plan.kind !== 'sites') {
      probe.unprepared = plan?.kind === 'unprepared' ? plan.reason : undefined;
      return false;
    }
    await this.installPrepared(probe, plan);
    return true;
  }

  private async installPrepared(probe: Probe, plan: { sites: PlannedSite[] }): Promise<void> {
    const { action } = probe;
    probe.checked = [];
    try {
      const placement = await this.prepared!.install(action, plan, {
        blocklist: this.blocklist.recording((target) => probe.checked.push(target)),
        post: (message) => this.post(message),
        key: (index) => this.keyFor(probe, index),
        installed: (placed) => {
          this.locate(probe, placed[0]!);
          const described = describePlacement(action, placed, placed.length - 1);
          const sites = placed.length > 1 ? 'prepared sites (no breakpoint)' : 'prepared site (no breakpoint)';
          const files = [...new Set(plan.sites.map((planned) => planned.known.path))];
          const copies = files.length > 1 ? `; ${bundledInto(files.length, 'prepared files', placed[0]!.file, files)}` : '';
          const message = `${sites}${copies}${described === undefined ? '' : `; ${described}`}`;
          this.reportInstalled(probe, {
            actionId: action.id,
            state: 'installed',
            message,
            location: { file: placed[0]!.file, line: placed[0]!.line },
          });
        },
      });
      const bundled = plan.sites.some((planned) => inBundle(planned.map));
      advance(probe, { kind: 'prepared', placement, ...(bundled ? { bundled } : {}) });
    } catch (err) {
      if (err instanceof BlockedByAgentError) return this.block(probe, err.message);
      if (
        err instanceof ExpressionError ||
        err instanceof SourceDiffersError ||
        err instanceof AgentFileError ||
        err instanceof UnsafeLineError
      )
        return this.fail(probe, err.message);
      throw err;
    }
  }

  /** A prepared file loaded after some actions took breakpoints or began waiting: move those that now have every site they need. */
  private async preferPrepared(): Promise<void> {
    for (const probe of this.live()) {
      const { state } = probe;
      if (state.kind === 'prepared') {
        await this.widenPrepared(probe, state.placement);
        continue;
      }
      const sampling = state.kind === 'paused' && state.sampling !== undefined;
      if (state.kind !== 'waiting' && state.kind !== 'breakpoints' && !sampling) continue;
      const plan = await this.prepared!.plan(probe.action);
      if (plan.kind !== 'sites') {
        probe.unprepared = plan.kind === 'unprepared' ? plan.reason : undefined;
        // Its file loaded and bound its sites, but none is at its line (a line the bundler merged
        // into another's statement): place() left it for this moment, so it takes breakpoints now.
        if (state.kind === 'waiting' && plan.kind === 'unprepared') await this.place(probe);
        continue;
      }
      if (state.kind === 'breakpoints') for (const id of state.ids) await this.session.removeBreakpoint(id);
      if (state.kind !== 'waiting') {
        this.stopTimers(probe);
        advance(probe, { kind: 'waiting' });
      }
      this.dropOtherKeys(probe);
      await this.installPrepared(probe, plan);
    }
    this.closeIfIdle();
  }

  /**
   * Measures V8's cost for a duration or tic-toc waiting for a script that just loaded off the
   * queue, then places it. The main thread answers a calibration from its event loop, which the
   * pause before the script (held until this queue drains) and the synchronous load around it
   * keep it from: awaited in the queue, each module loading after the timed one held the app 2 s
   * and the measurement timed out. On a script loaded before, the app's thread answers at once.
   */
  private placeOnceCalibrated(probe: Probe, measured: Measured | undefined): void {
    if (this.calibrating.has(probe)) return;
    this.calibrating.add(probe);
    void this.calibration.overhead(measured).then(() =>
      this.enqueue(async () => {
        this.calibrating.delete(probe);
        if (this.probes.get(probe.action.id) === probe && probe.state.kind === 'waiting') await this.place(probe);
      }),
    );
  }

  /**
   * Another prepared file that holds the action's line bound (a bundle's copy of the file, for a
   * page first requested now): the action goes on the sites of every copy, its first key keeping its hits.
   */
  private async widenPrepared(probe: Probe, placement: PreparedPlacement): Promise<void> {
    const plan = await this.prepared!.plan(probe.action);
    if (plan.kind !== 'sites' || plan.sites.length <= placement.length) return;
    this.prepared!.set(placement, false);
    this.dropOtherKeys(probe);
    advance(probe, { kind: 'waiting' });
    await this.installPrepared(probe, plan);
  }

  /** Disarms every key but the probe's first, which is armed again where it goes next with the hits it counted. */
  private dropOtherKeys(probe: Probe): void {
    for (const key of probe.keys.splice(1)) {
      this.post({ t: 'disarm', key });
      this.byKey.delete(key);
    }
  }

  /** The key of the probe's n-th site: its own key first, then new ones. */
  private keyFor(probe: Probe, index: number): number {
    if (index === 0) return probe.keys[0]!;
    const key = this.nextKey++;
    probe.keys.push(key);
    this.byKey.set(key, probe);
    return key;
  }

  /** Tries to set the breakpoints; when no script matches yet the probe keeps waiting. */
  /** `justLoaded`: placed because V8 reported a new script its file may be in. */
  private async place(probe: Probe, justLoaded = false): Promise<void> {
    const { action } = probe;
    // The file may have bound its prepared sites since the action began to wait (its header runs
    // as soon as it is compiled, before this placement, queued when V8 reported it, comes up).
    if (probe.state.kind === 'waiting' && (await this.placePrepared(probe))) return;
    let sites: Site[];
    let arms: ArmFields[];
    try {
      sites = await sitesFor(action, probe.keys[0]!, this.sites);
      // Left waiting: the module binding its sites moves it there (preferPrepared).
      if (justLoaded && probe.state.kind === 'waiting' && sites.some((site) => this.bindsBeforeItRuns(site))) return;
      if (action.lineText !== undefined && action.line > 0)
        await checkLineText(action.lineText, action.line, sites[0]!.resolved, sites[0]!.analysed);
      // A line the script holds in several places takes one arm: each place's own scope is in it.
      arms = sites.map((site) => {
        const role = site.role && { ...site.role, at: positionKey(site) };
        const at = (offset: number): ArmFields => armFields(action, site.analysed, offset, role, site.resolved.map);
        return armAcross([at(site.offset), ...site.elsewhere.map((other) => at(other.offset))]);
      });
    } catch (err) {
      if (err instanceof LocationError && err.waiting) {
        if (probe.state.kind === 'waiting') {
          if (probe.state.reported === err.message) return;
          probe.state.reported = err.message;
          // V8 pauses before new scripts (and the CommonJS loader gates modules) before the status
          // says the action waits for one: a module the app loads once it reads the status is paused for.
          await this.scriptStarts.update(true);
        }
        this.report({ actionId: action.id, state: 'pending', message: err.message });
        return;
      }
      if (
        err instanceof LocationError ||
        err instanceof ExpressionError ||
        err instanceof SourceDiffersError ||
        err instanceof UnsafeLineError
      )
        return this.fail(probe, err.message);
      throw err;
    }
    // The agent's own blocklist, at every site: a blocked file may also be reached through a source map.
    probe.checked = [];
    for (const [index, { resolved, analysed, offset }] of sites.entries()) {
      const target: BlocklistTarget = {
        files: [action.file, resolved.file, resolved.script.path],
        functionName: analysed === undefined ? undefined : functionNameAt(analysed, offset, resolved.map),
        expressions: armedExpressions(arms[index]!),
      };
      probe.checked.push(target);
      try {
        this.blocklist.check(target);
      } catch (err) {
        if (err instanceof BlockedByAgentError) return this.block(probe, err.message);
        if (err instanceof AgentFileError) return this.fail(probe, err.message);
        throw err;
      }
    }
    // Measured before the action's own breakpoints are set, so its first interval is already corrected.
    let overhead: Overhead | undefined;
    if (timedOnBreakpoints(action)) {
      const measured = functionToCopy(sites[0]!);
      const known = this.calibration.known(measured);
      if (known === undefined && justLoaded && probe.state.kind === 'waiting') return this.placeOnceCalibrated(probe, measured);
      overhead = known === undefined ? await this.calibration.overhead(measured) : known.overhead;
    }
    for (const arm of arms) if (arm.metric?.role === 'toc' && overhead !== undefined) arm.metric.overheadSeconds = overhead.ms / 1000;
    const state: OnBreakpoints = { kind: 'breakpoints', ids: [], placements: [] };
    const placed: PlacedSite[] = [];
    const copies: string[] = [];
    for (const [index, site] of sites.entries()) {
      const key = this.keyFor(probe, index);
      const { resolved, analysed, offset } = site;
      const functionName = analysed === undefined ? undefined : functionNameAt(analysed, offset, resolved.map);
      const { usesThis, ...fields } = arms[index]!;
      const arm: ArmProbe = {
        t: 'arm',
        key,
        actionId: action.id,
        ...fields,
        maxHits: action.maxHits,
        expiresAt: Date.parse(action.expiresAt),
        ...rateOf(action),
        file: resolved.shown,
        line: resolved.line,
        ...defined({ functionName }),
      };
      this.post(arm);
      const placement: Placement = {
        script: resolved.script,
        line: resolved.generated.line,
        column: resolved.generated.column,
        condition: conditionAt(key, { roots: fields.roots, usesThis }, analysed, offset, resolved.map, { breakpoint: true }),
        key,
        ...(inBundle(resolved.map) && { bundled: true }),
      };
      const result = await this.placeOnSuspendedCall(placement, analysed, offset);
      if (result.location === undefined) {
        for (const id of [...state.ids, result.breakpointId]) await this.session.removeBreakpoint(id);
        return this.fail(probe, `line ${resolved.line} of ${resolved.shown} has no code V8 can stop at`);
      }
      // V8 may stop further on than asked: the line reported is the one a prepared site would
      // report (reported-line.ts), and the main thread's records name it too.
      const stopped = stoppedAt(site, result.location);
      if (stopped.line === undefined) {
        for (const id of [...state.ids, result.breakpointId]) await this.session.removeBreakpoint(id);
        return this.fail(
          probe,
          `line ${action.line} of ${resolved.shown} has no code V8 can stop at in that file: it would stop next ${stopped.elsewhere} (a decorator's or a bundler's code at the end of the file runs once, as it loads); put the action on a line inside a function`,
        );
      }
      // The map has code on the line asked for, yet V8 stopped at another line's part: inside a
      // statement already under way there (a multi-line expression), or further along the same
      // generated line (a minifier's folded expression), not at a line without code.
      const inside =
        resolved.map !== undefined &&
        resolved.line === action.line &&
        stopped.line !== action.line &&
        (stopped.partWay || result.location.line === resolved.generated.line);
      const statement = inside ? statementStartOf(site, action.line) : undefined;
      // A compiler's statement whose start no line places an action at (Astro's `return`): the
      // action stays where V8 stopped in it, after the line's code, and reports the line asked, as
      // the prepared site does.
      const line = statement?.lands === false ? action.line : stopped.line;
      if (line !== arm.line) this.post({ ...arm, line });
      state.ids.push(result.breakpointId);
      state.placements.push(placement);
      // The line's other generated places: each reads the names of its own scope and passes its
      // place (a snapshot there shows that place's variables), under the same key, so a hit at any counts.
      const stops = [`${result.location.line}:${result.location.column}`];
      for (const [index, other] of site.elsewhere.entries()) {
        const extra: Placement = {
          ...placement,
          ...other.generated,
          condition: conditionAt(key, { roots: fields.roots, usesThis }, analysed, other.offset, resolved.map, {
            place: index + 1,
            breakpoint: true,
          }),
        };
        const set = await this.session.setBreakpoint(extra.script, extra.line, extra.column, extra.condition, key);
        const stop = set.location === undefined ? undefined : `${set.location.line}:${set.location.column}`;
        // V8 may move a place onto one already taken: one execution would then stop twice.
        if (stop === undefined || stops.includes(stop)) {
          await this.session.removeBreakpoint(set.breakpointId);
          continue;
        }
        stops.push(stop);
        state.ids.push(set.breakpointId);
        state.placements.push(extra);
      }
      // A statement that can throw in its own frame: the hook tells V8's runs at the throw by where they stop.
      if (analysed !== undefined && throwKindAt(analysed, offset) === 'raise') this.post({ t: 'raise-stops', key, stops });
      if (stops.length > 1)
        copies.push(`line ${resolved.line} sits in ${stops.length} places of ${resolved.script.path}: a breakpoint at each`);
      placed.push({
        file: resolved.map === undefined ? resolved.script.path : resolved.shown,
        line,
        ...(inside
          ? {
              insideExpression: result.location.line === resolved.generated.line ? 'folded' : 'multi-line',
              ...(statement?.lands === false
                ? { compiledInto: { script: resolved.script.path, generatedLine: statement.generatedLine, mappedLine: statement.line } }
                : defined({ statementLine: statement?.line })),
            }
          : {}),
        ...defined({ functionName }),
        // Where V8 put it: a line without code may have moved out of the function the user named.
        ...topLevelAt(analysed, analysed === undefined ? 0 : offsetOf(analysed, result.location.line, result.location.column)),
      });
    }
    advance(probe, state);
    // As for an action that waits: V8 pauses before new scripts before the status says installed,
    // so a bundle's copy the app loads once it reads the status is placed before it runs.
    if (copiesMayLoad(state)) await this.scriptStarts.update(true);
    const first = placed[0]!;
    this.locate(probe, first);
    // The prepare transform's twin and exception wrapper have exits of their own: timed, not counted.
    const exits = sites.filter((site) => site.role?.role === 'toc' && site.addedByPrepare !== true).length;
    const described = describePlacement(action, placed, exits);
    const path = probe.unprepared === undefined ? 'breakpoint' : `breakpoint (not on prepared sites: ${probe.unprepared})`;
    const scripts = [...new Set(sites.map((site) => site.resolved.script.path))];
    const parts = [
      path,
      ...(scripts.length > 1 ? [bundledInto(scripts.length, 'loaded scripts', first.file, scripts)] : []),
      ...copies,
      ...(described === undefined ? [] : [described]),
      // A prepared file whose sites cannot time this says why above: preparing it again is no advice.
      ...(timedOnBreakpoints(action) ? [breakpointTiming(overhead, this.prepared !== undefined && probe.unprepared === undefined)] : []),
    ];
    this.reportInstalled(probe, {
      actionId: action.id,
      state: 'installed',
      message: parts.join('; '),
      location: { file: first.file, line: first.line },
    });
  }

  private reportInstalled(probe: Probe, status: NonNullable<Probe['installed']>): void {
    probe.installed = status;
    probe.sampling = undefined;
    this.report(status);
  }

  /**
   * How the action was installed (and how its breakpoint samples), while it is, for a status that
   * adds to it; undefined while paused, waiting or ended.
   */
  statusOf(actionId: string): Probe['installed'] {
    const probe = this.probes.get(actionId);
    const state = probe?.state;
    if (state === undefined || !(state.kind === 'prepared' || state.kind === 'breakpoints' || (state.kind === 'paused' && state.sampling)))
      return undefined;
    const { installed, sampling } = probe!;
    return installed === undefined || sampling === undefined
      ? installed
      : { ...installed, message: `${installed.message}; ${sampling.text}` };
  }

  /**
   * A quota was exceeded: the breakpoints leave V8 (one left in place keeps its callers slow),
   * and come back when the quota has refilled; an action that keeps exceeding waits longer.
   */
  pause(key: number, reason: string, cycle?: DutyCycle): Promise<void> {
    return this.enqueue(async () => {
      const probe = this.byKey.get(key);
      const state = probe?.state;
      if (probe === undefined || (state?.kind !== 'breakpoints' && state?.kind !== 'prepared')) return;
      if (cycle !== undefined && state.kind === 'breakpoints') return this.sampleOut(probe, state, reason, cycle);
      if (state.kind === 'breakpoints') for (const id of state.ids) await this.session.removeBreakpoint(id);
      else this.prepared?.set(state.placement, false);
      const now = Date.now();
      probe.pauses = probe.pauses.filter((t) => now - t < LONGEST_PAUSE_MS).concat(now);
      const delay = Math.min(FIRST_PAUSE_MS * 2 ** (probe.pauses.length - 1), LONGEST_PAUSE_MS);
      const timer = setTimeout(() => void this.resume(probe, delay), delay);
      timer.unref();
      const resumes = state.kind === 'breakpoints' ? { kind: state.kind, placements: state.placements } : state;
      advance(probe, { kind: 'paused', timer, resumes });
      this.report({ actionId: probe.action.id, state: 'paused', message: `${reason}; resuming in ${delay / 1000} s` });
    });
  }

  /**
   * A breakpoint's sampling window is spent: it leaves V8 for the cycle's pause, then comes back
   * for a window of the cycle's hits. No back-off: the cycle keeps the line within its limits.
   */
  private async sampleOut(probe: Probe, state: OnBreakpoints, hookBound: string, hookCycle: DutyCycle): Promise<void> {
    for (const id of state.ids) await this.session.removeBreakpoint(id);
    const windows = (probe.windowCost ??= new WindowCost(this.mainCpu));
    // Read again once V8 has compiled the function again: the window is charged for that too.
    setTimeout(windows.closed(hookCycle.costPerHitUs), SETTLE_MS).unref();
    // What the window cost the main thread may call for a longer pause than the hook's cycle.
    const { cycle, cost } = windows.pace(hookCycle);
    const bound = cycle.bound === hookCycle.bound ? hookBound : cycle.cpuBound;
    const since = Date.now();
    const timer = setTimeout(() => void this.sampleIn(probe), cycle.offMs);
    timer.unref();
    advance(probe, { kind: 'paused', timer, resumes: { kind: 'breakpoints', placements: state.placements }, sampling: { cycle, since } });
    // Reported when it starts, then at most every few seconds and only when it changed.
    const text = samplingText(cycle, bound, cost);
    const last = probe.sampling;
    probe.sampling = { text, reported: last?.reported, at: last?.at ?? Number.NEGATIVE_INFINITY };
    if (text === last?.reported || since - probe.sampling.at < SAMPLING_STATUS_MS) return;
    probe.sampling.reported = text;
    probe.sampling.at = since;
    const status = this.statusOf(probe.action.id);
    if (status !== undefined) this.report({ ...status, restated: true });
  }

  private sampleIn(probe: Probe): Promise<void> {
    return this.enqueue(async () => {
      const { state } = probe;
      if (this.probes.get(probe.action.id) !== probe || state.kind !== 'paused' || state.sampling === undefined) return;
      if (state.resumes.kind !== 'breakpoints') return;
      const { cycle, since } = state.sampling;
      const missed = Math.round((cycle.passedPerSecond * (Date.now() - since)) / 1000);
      if (missed > 0) this.onSampledOut(probe.action.id, missed);
      this.post({ t: 'resume', keys: probe.keys, allow: cycle.allow });
      const { placements } = state.resumes;
      probe.windowCost?.opening(cycle.allow);
      advance(probe, { kind: 'breakpoints', ids: await this.setAgain(placements), placements });
    });
  }

  private resume(probe: Probe, after: number): Promise<void> {
    return this.enqueue(async () => {
      const { state } = probe;
      if (this.probes.get(probe.action.id) !== probe || state.kind !== 'paused') return;
      this.post({ t: 'resume', keys: probe.keys });
      if (state.resumes.kind === 'prepared') {
        this.prepared?.set(state.resumes.placement, true);
        advance(probe, state.resumes);
      } else {
        const { placements } = state.resumes;
        advance(probe, { kind: 'breakpoints', ids: await this.setAgain(placements), placements });
      }
      this.report({ actionId: probe.action.id, state: 'resumed', message: `resumed after ${after / 1000} s; the quota has refilled` });
    });
  }

  /**
   * The agent's configuration has a new blocklist: actions it forbids leave the app now, with a
   * status naming the rule, and those only the previous one refused are installed again.
   */
  applyBlocklist(blocklist: Blocklist): Promise<void> {
    return this.enqueue(async () => {
      this.blocklist = blocklist;
      for (const probe of this.live()) {
        const refusal = refusalOf(blocklist, probe.checked);
        if (refusal !== undefined) await this.block(probe, `removed after the agent's configuration changed: ${refusal.message}`);
      }
      for (const probe of [...this.probes.values()]) {
        if (probe.state.kind !== 'blocked' || refusalOf(blocklist, probe.state.checked) !== undefined) continue;
        this.probes.delete(probe.action.id);
        await this.install(probe.action);
      }
      this.closeIfIdle();
    });
  }

  private async setAgain(placements: readonly Placement[]): Promise<string[]> {
    const ids: string[] = [];
    for (const p of placements) ids.push((await this.session.setBreakpoint(p.script, p.line, p.column, p.condition, p.key)).breakpointId);
    return ids;
  }

  private locate(probe: Probe, placed: PlacedSite): void {
    probe.file = placed.file;
    probe.line = placed.line;
    probe.functionName = placed.functionName;
  }

  private async block(probe: Probe, message: string): Promise<void> {
    await this.end(probe, { kind: 'blocked', checked: probe.checked });
    this.report({ actionId: probe.action.id, state: 'error', message });
  }

  /** Nothing that loads later can fix this one: stop tracking it until the action changes. */
  private async fail(probe: Probe, message: string): Promise<void> {
    await this.end(probe, { kind: 'error', message });
    this.report({ actionId: probe.action.id, state: 'error', message });
  }

  /** The action is no longer desired: it leaves the app and the engine. */
  private async remove(probe: Probe): Promise<void> {
    await this.unset(probe);
    this.probes.delete(probe.action.id);
    this.report({ actionId: probe.action.id, state: 'removed', message: 'the action was removed' });
  }

  /** Takes the probe out of the app and keeps it, ended, while the action is still desired. */
  private async end(probe: Probe, state: EndedState): Promise<void> {
    await this.unset(probe);
    advance(probe, state);
  }

  /** Removes what the probe has in the app (breakpoints, flags, armed keys but `keepArmed`) and stops its timers. */
  private async unset(probe: Probe, keepArmed?: number): Promise<void> {
    const { state } = probe;
    this.stopTimers(probe);
    // Before its keys are forgotten: a plain counter's last hits counted on its sites are read as the flags go off.
    const placement = preparedPlacement(state);
    if (placement !== undefined) this.prepared?.set(placement, false);
    for (const key of probe.keys) this.byKey.delete(key);
    if (state.kind === 'breakpoints') for (const id of state.ids) await this.session.removeBreakpoint(id);
    for (const key of probe.keys) if (key !== keepArmed) this.post({ t: 'disarm', key });
  }

  private stopTimers(probe: Probe): void {
    clearTimeout(probe.expiryTimer);
    if (probe.state.kind === 'paused') clearTimeout(probe.state.timer);
  }

  private analysis(script: LoadedScript): Promise<AnalysedSource | undefined> {
    return this.analyses.get(script.scriptId, () => {
      const analysed = this.session.source(script).then(analyseSource);
      // A failed read is not kept: the next install asks again.
      analysed.catch(() => this.analyses.delete(script.scriptId));
      return analysed;
    });
  }

  /** PreparedSites.bindsBeforeItRuns, for the script a site is in. */
  private bindsBeforeItRuns({ analysed }: Site): boolean {
    return analysed !== undefined && this.prepared?.bindsBeforeItRuns(analysed.source) === true;
  }

  private async retryWaiting(script: LoadedScript): Promise<void> {
    for (const probe of this.live()) {
      const { state } = probe;
      // A tic-toc times one copy (sites.ts onlyCopy): it keeps the one it has rather than fail.
      if (
        state.kind === 'breakpoints' &&
        probe.action.type !== 'tictoc' &&
        (await this.locations.holds(script, probe.action.file, state.placements))
      ) {
        await this.placeAgain(probe, state);
        continue;
      }
      if (probe.state.kind !== 'waiting') continue;
      const name = probe.action.file.replace(/\\/g, '/').split('/').pop() ?? '';
      // Cheap filter first: a new script can only help an action whose file name it shares (or maps from).
      if (script.sourceMapURL === undefined && !script.path.endsWith(`/${name}`)) continue;
      await this.place(probe, true);
    }
  }

  /**
   * Another copy of the action's file loaded (a bundler's chunk for a page first requested now):
   * the action is placed again across every copy, its first key keeping the hits it counted.
   */
  private async placeAgain(probe: Probe, state: OnBreakpoints): Promise<void> {
    for (const id of state.ids) await this.session.removeBreakpoint(id);
    this.dropOtherKeys(probe);
    advance(probe, { kind: 'waiting' });
    await this.place(probe);
  }

  private async openSession(): Promise<void> {
    if (this.session.isOpen) return;
    await this.session.open();
    const files = `${this.session.size} file${this.session.size === 1 ? '' : 's'}`;
    // LIVEPROBE_INSPECTOR_SESSION is the in-process agent's: an attached target (no prepared
    // files) was started without it, and its sidecar opens its session when it attaches.
    this.log(
      this.startupSession !== undefined
        ? `inspector session open since start-up (${files} loaded so far); it stays open`
        : this.prepared === undefined
          ? `inspector session opened: the target paused while V8 reported every loaded script (${files})`
          : `inspector session opened: the main thread paused while V8 reported every loaded script (${files}); LIVEPROBE_INSPECTOR_SESSION=startup opens it before the app loads instead`,
    );
  }

  private closeIfIdle(): void {
    // Actions on prepared sites do not need the session; one opened at start-up stays open.
    const live = this.live();
    if (this.startupSession === undefined && this.session.isOpen && live.every((p) => preparedPlacement(p.state) !== undefined)) {
      this.closeSession();
      this.log(live.length === 0 ? 'no actions left; inspector session closed' : 'no breakpoints left; inspector session closed');
    }
  }

  private closeSession(): void {
    this.session.close();
    this.calibration.forget();
    this.scriptStarts.dropped();
    this.analyses.clear();
    this.locations.forget();
  }

  /**
   * Sets `placement`'s breakpoint; on a `throw await call()` on the call instead, when V8 stops
   * there (locate/throw-statement.ts): V8's run at the throw is then told from a hit.
   */
  private async placeOnSuspendedCall(placement: Placement, analysed: AnalysedSource | undefined, offset: number) {
    const set = () => this.session.setBreakpoint(placement.script, placement.line, placement.column, placement.condition, placement.key);
    const call = analysed === undefined ? undefined : suspendedCallAt(analysed, offset);
    const start = call === undefined ? undefined : positionOf(analysed!, call.start);
    if (call === undefined || start?.line !== placement.line) return set();
    const onLine = placement.column;
    placement.column = start.column;
    const result = await set();
    const stop = result.location === undefined ? -1 : offsetOf(analysed!, result.location.line, result.location.column);
    if (stop >= call.start && stop < call.end) return result;
    await this.session.removeBreakpoint(result.breakpointId);
    placement.column = onLine;
    return set();
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
    // The agent's own files were refused at install: an installed action is on none of them.
    if (err instanceof AgentFileError) return undefined;
    throw err;
  }
}

/** An action on a file a bundler put into several scripts is in each of them. */
function bundledInto(count: number, what: string, file: string, paths: string[]): string {
  return `in each of the ${count} ${what} ${file} was bundled into: ${paths.join(', ')}`;
}

/** The status message: where a moved line went, or what a tic-toc or a duration measures. */
function describePlacement(action: Action, placed: PlacedSite[], exits: number): string | undefined {
  const first = placed[0]!;
  if (action.type === 'duration') {
    return `measuring ${first.functionName ?? 'the function'} from line ${first.line} to its ${exits} exit${exits === 1 ? '' : 's'} (returns and throws)`;
  }
  if (action.type === 'tictoc') return `tic at line ${first.line}, toc at line ${placed[1]?.line ?? '?'}`;
  const notes = [
    ...(first.line === action.line && first.compiledInto === undefined ? [] : [movedLine(action.line, first)]),
    ...(first.topLevel === true
      ? [
          `line ${first.line} ${TOP_LEVEL_CODE}: the action will not hit it again once the file has loaded; put it on a line inside a function`,
        ]
      : []),
  ];
  return notes.length === 0 ? undefined : notes.join('; ');
}

/** Why the action is on another line than the one asked for. */
function movedLine(asked: number, first: PlacedSite): string {
  if (first.insideExpression === undefined) return `line ${asked} has no code; installed at line ${first.line}, the next line with code`;
  if (first.compiledInto !== undefined) {
    const { script, generatedLine, mappedLine } = first.compiledInto;
    return `line ${asked}'s code is inside an expression V8 cannot stop in part-way (a compiler folded the file's lines into one statement, at line ${generatedLine} of ${script}, and its map places that statement's start at line ${mappedLine}, where an action runs elsewhere); installed where V8 next stops in that statement, after line ${asked}'s code ran, reported at line ${asked}: it reads the values that code computed; to read values before that statement runs, put the action on a line of the code that runs before it`;
  }
  const where =
    first.statementLine === undefined ? 'the line where that statement starts' : `line ${first.statementLine}, where that statement starts`;
  if (first.insideExpression === 'multi-line')
    return `line ${asked}'s code is inside an expression V8 cannot stop in part-way; installed at line ${first.line}, where V8 next stops in it: to read values before that statement runs, put the action on ${where}`;
  return `line ${asked}'s code is inside an expression V8 cannot stop in part-way (a minifier folded lines into one expression); installed at line ${first.line}, where V8 next stops in it, after line ${asked}'s code ran: to read values before it, put the action on ${where}`;
}

/**
 * The source line an action on a breakpoint reports, by the rule a prepared site follows
 * (reported-line.ts), or the site's own `reportAt`; none when the map sends V8's stop out of the file asked for (`elsewhere`
 * says where): V8 found no place to stop in that file's code after the line.
 */
function stoppedAt(
  { resolved, analysed, offset, reportAt }: Site,
  stop: { line: number; column: number },
): { line?: number; partWay: boolean; elsewhere: string } {
  const reported =
    analysed === undefined
      ? undefined
      : reportAt === undefined
        ? reportedOffset(analysed, offset, offsetOf(analysed, stop.line, stop.column))
        : { offset: reportAt, partWay: false };
  const at = analysed === undefined || reported === undefined ? stop : positionOf(analysed, reported.offset);
  const partWay = reported?.partWay === true;
  if (resolved.map === undefined) return { line: at.line, partWay, elsewhere: '' };
  // A statement's start the map gives no segment (its indentation) reads as where V8 stopped.
  const original = resolved.map.originalFor(at.line, at.column) ?? resolved.map.originalFor(stop.line, stop.column);
  if (original?.file === resolved.file) return { line: original.line, partWay, elsewhere: '' };
  // On the generated line asked for, a stop the map has no segment for is the line asked (a sparse map).
  if (original === undefined && stop.line === resolved.generated.line) return { line: resolved.line, partWay, elsewhere: '' };
  return {
    partWay,
    elsewhere:
      original === undefined
        ? `in the bundler's own code, at line ${stop.line} of ${resolved.script.path}`
        : `at line ${original.line} of ${shownSource(original).file}`,
  };
}

/**
 * The source line where the folded statement starts, read through the map from the statement's
 * start in the script, and whether an action on that line lands in the statement before the line
 * asked for (a minifier's map: the advice holds) or elsewhere (Astro's map places its `return` on
 * the frontmatter's `---`, where an action lands on the module's top-level code). Undefined when
 * the map does not place it in the same file before the line asked for: the message then
 * describes the line instead of naming a wrong one.
 */
function statementStartOf(
  { analysed, offset, resolved }: Site,
  asked: number,
): { line: number; lands: boolean; generatedLine: number } | undefined {
  const start = analysed === undefined ? undefined : statementStartAt(analysed, offset);
  const map = resolved.map;
  if (analysed === undefined || start === undefined || map === undefined) return undefined;
  const at = (o: number) => {
    const { line, column } = positionOf(analysed, o);
    return map.originalFor(line, column);
  };
  const original = at(start);
  const askedAt = at(offset);
  if (original === undefined || askedAt === undefined || original.file !== askedAt.file || original.line >= asked) return undefined;
  // Where an action on that line would go: its first place and the others that run apart (sites.ts).
  const first = map.generatedFor(resolved.file, original.line);
  const firstAt = first === undefined || first.originalLine !== original.line ? undefined : offsetOf(analysed, first.line, first.column);
  const others = map.generatedPlacesFor(resolved.file, original.line).map((p) => offsetOf(analysed, p.line, p.column));
  const places =
    firstAt === undefined
      ? []
      : [
          firstAt,
          ...separatePlaces(
            analysed,
            firstAt,
            others.filter((o) => o !== firstAt),
          ),
        ];
  // It holds when one runs before the line's code in the statement's own function (terser's
  // `if` around the folded `return`); Astro's line 1 goes to the module's top-level code.
  const own = functionAround(analysed, start);
  const lands = places.some((o) => {
    const at = skipBlanks(analysed.source, o);
    return at < offset && functionAround(analysed, at) === own;
  });
  return { line: original.line, lands, generatedLine: positionOf(analysed, start).line };
}

/**
 * A duration or tic-toc on breakpoints measures from the end of one breakpoint's condition to the
 * start of another's: V8's own work between (pausing, building the scope for the condition,
 * resuming) falls inside the interval. The calibration measured its least and takes it off; its
 * variation from one hit to the next stays in.
 */
function breakpointTiming(overhead: Overhead | undefined, advisePreparing: boolean): string {
  const prepare = advisePreparing ? '; prepare the file (LIVEPROBE_PREPARE) to time the app alone' : '';
  if (overhead === undefined)
    return `timed on breakpoints: each measurement includes about two breakpoint hits of V8's own cost (~0.1 ms or more), so short functions read long${prepare}`;
  const on = overhead.ownCopy ? 'on a copy of the function that returns at once' : "on a small function of the agent's";
  return `timed on breakpoints: V8's own cost of the two breakpoint hits, ${Math.round(overhead.ms * 1000)} µs at least as measured in this process (${on}), is taken off each measurement; it varies from hit to hit (more on a busy machine), so one measurement can be off by tens of µs either way${prepare}`;
}

/** A duration's function, to calibrate on a copy of it; undefined for a tic-toc. */
function functionToCopy({ fn, analysed, resolved }: Site): Measured | undefined {
  if (fn === undefined || analysed === undefined) return undefined;
  return { id: `${resolved.script.scriptId}:${fn.bodyStart}`, copy: functionCopy(analysed, fn) };
}

function timedOnBreakpoints(action: Action): boolean {
  return action.type === 'duration' || action.type === 'tictoc';
}
