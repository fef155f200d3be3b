/**
 * Exception actions (install path 1): a second inspector session on the main thread, apart from
 * the probe engine's, open only while an exception action is desired (closed, it costs nothing).
 *
 * It pauses the app at every thrown error. An error V8 predicts will not be caught (and a
 * rejection nobody handles yet) is captured at once. A caught one is captured only if
 * the action's cheap filters want it, and the capture is held on the main thread, keyed by the
 * error object: it is published only when the error reaches a framework's error handler (a
 * breakpoint there, error-handlers.ts, whose condition hands it over) or is thrown again
 * uncaught. An error the app catches and swallows gives nothing. That breakpoint pauses only
 * for an error the agent never saw thrown (`next(new Error())`): its site is then the frame
 * that handed it to the framework. Caught errors cost a pause each, so over a budget a
 * second (pause-budget.ts) the watch falls back to uncaught errors for a cooldown, and says so
 * in the actions' status.
 *
 * A capture arms one-hit snapshot probes for the throw site and its callers (up to the
 * action's `frames`) and evaluates their conditions in those frames: the values go through the
 * same hook, serializer, redaction and quotas as a snapshot action's.
 */
import { defined, errorMessage } from '@liveprobe/protocol/util';
import type { ExceptionAction, ThrownError } from '@liveprobe/protocol';
import { HELD_CAPTURES, HOOK_GLOBAL, type ExceptionArm, type HookChannel } from '../bridge.js';
import { agentFileAmong } from '../locate/agent-files.js';
import { isAppScript } from '../locate/app-code.js';
import type { CdpTransport, Paused, PausedFrame } from './cdp-transport.js';
import {
  errorHandlerEntries,
  isErrorHandlerFile,
  isFrameworkFile,
  isInstrumentationFile,
  noErrorHandlerMessage,
} from './error-handlers.js';
import type { ExceptionPath } from './exception-path.js';
import { fingerprint, inFiles, StackRate, wants } from '../exception-filter.js';
import { FrameCapture, type Site } from './frame-capture.js';
import type { Described } from './thrown-error.js';
import { InspectorSession, type LoadedScript } from './inspector-session.js';
import type { PauseReaders } from './pause-readers.js';
import { LocationResolver } from './location-resolver.js';
import { CAUGHT_COOLDOWN_MS, CAUGHT_PAUSES_PER_SECOND, DEPENDENCY_CAUGHT_PAUSES_PER_SECOND, PauseBudget } from './pause-budget.js';
import type { StatusReport } from './probe-engine.js';

/** One capture in flight: what the hit relay needs to publish its snapshot. */
export interface ExceptionHit {
  action: ExceptionAction;
  file?: string;
  line?: number;
  functionName?: string;
  thrown: ThrownError;
  stacktrace: string;
}

/** How long the app stays paused, at most, for its snapshot to be handed to the broker. */
const HANDOFF_WAIT_MS = 2000;

/** Runs as `this` = the thrown object, in the paused app: the hook's key for a capture held for it, or -1. */
const HELD_KEY = `function () { return typeof ${HOOK_GLOBAL} === 'object' && ${HOOK_GLOBAL} !== null ? ${HOOK_GLOBAL}.heldKey(this) : -1; }`;
/** Tells the hook a probe's run paused the app (ExceptionWatch.runTakenPaused). */
const THROW_RUN_PAUSED = `typeof ${HOOK_GLOBAL} === 'object' && ${HOOK_GLOBAL} !== null && void ${HOOK_GLOBAL}.throwRunPaused()`;
/** Tells the hook the runs it held were V8's at this throw (ExceptionWatch.thrown). */
const THROW_RUN_AT_THROW = `typeof ${HOOK_GLOBAL} === 'object' && ${HOOK_GLOBAL} !== null && void ${HOOK_GLOBAL}.throwRunAtThrow()`;
/** Publishes the capture held for `this`; true when there was one. */
const RELEASE = `function () { return typeof ${HOOK_GLOBAL} === 'object' && ${HOOK_GLOBAL} !== null && ${HOOK_GLOBAL}.reached(this); }`;
const hold = (key: number) =>
  `function () { if (typeof ${HOOK_GLOBAL} === 'object' && ${HOOK_GLOBAL} !== null) ${HOOK_GLOBAL}.hold(${key}, this); }`;
/**
 * A framework's error handler breakpoint: hands the error to the hook, which publishes its held
 * capture; it pauses only for an error the agent never saw thrown, once.
 */
const handlerCondition = (handed: string) =>
  `typeof ${HOOK_GLOBAL} === 'object' && ${HOOK_GLOBAL} !== null && ${HOOK_GLOBAL}.atErrorHandler(${handed}) === true`;

/** A desired exception action, with its published snapshots so far. */
interface Watched {
  action: ExceptionAction;
  hits: number;
}

export class ExceptionWatch {
  private actions = new Map<string, Watched>();
  private readonly session: InspectorSession;
  private readonly frames: FrameCapture;
  readonly locations: LocationResolver;
  private readonly rate = new StackRate();
  /** Captures being published while the app waits. */
  private readonly hits = new Map<number, ExceptionHit>();
  /** Captures of caught errors, held on the main thread until their error is reported. */
  private readonly held = new Map<number, { hit: ExceptionHit; at: number }>();
  private readonly handoffs = new Map<number, () => void>();
  private opening: Promise<void> | undefined;
  private readonly budget = new PauseBudget();
  /** Caught errors thrown where no app file is (a dependency, Node's own code): counted apart from the app's. */
  private readonly dependencyBudget = new PauseBudget(DEPENDENCY_CAUGHT_PAUSES_PER_SECOND);
  /** Until when caught errors are not watched: the app threw more than the budget. */
  private caughtOffUntil = 0;
  private cooldown: NodeJS.Timeout | undefined;
  /**
   * Whether the hook is told of each pause at a thrown error (throw-reruns.ts `confirm` and
   * `pairs`): the `throw` line's runs it held, or took for the throw's, were that throw's.
   */
  private confirming = false;
  /** The error handlers' breakpoints, and what each reads as the error handed over. */
  private readonly handlers = new Map<string, string>();

  constructor(
    private readonly hook: HookChannel,
    private readonly report: (status: StatusReport) => void,
    transport: () => CdpTransport,
    /** Keys shared with the probe engine's, so the main thread never sees one twice. */
    private readonly nextKey: () => number,
    private readonly log: (line: string) => void,
    /** Which install path exception actions take: prepared files' exception sites, or pauses. */
    private readonly path: ExceptionPath,
    /** Whether the target's V8 runs a throwing statement's conditions again (throw-reruns-version.ts). */
    private readonly rerunsAtThrow: boolean,
    /** Shared with the probe engine's session: a pause ends when neither reads it any more. */
    pauses?: PauseReaders,
  ) {
    this.session = new InspectorSession(
      (script) => void this.scriptLoaded(script),
      transport,
      (pause) => this.reads(pause),
      undefined,
      pauses,
    );
    this.locations = new LocationResolver(this.session);
    this.frames = new FrameCapture(this.session, hook, this.locations);
  }

  hitFor(key: number): ExceptionHit | undefined {
    const hit = this.hits.get(key);
    if (hit !== undefined) return hit;
    const held = this.held.get(key);
    if (held === undefined) return undefined;
    // Held captures of one action may be released together: the hit limit still holds.
    const watched = this.actions.get(held.hit.action.id);
    if (watched === undefined || watched.hits >= watched.action.maxHits) {
      this.held.delete(key);
      // An uncaught rethrow may be waiting for it: the app goes on at once.
      this.handoffs.get(key)?.();
      return undefined;
    }
    return held.hit;
  }

  /** The hit relay published (or gave up on) the snapshot of `key`: it counts, and the app may go on. */
  delivered(key: number): void {
    const hit = this.hits.get(key) ?? this.held.get(key)?.hit;
    this.hits.delete(key);
    this.held.delete(key);
    const watched = hit === undefined ? undefined : this.actions.get(hit.action.id);
    if (watched !== undefined && ++watched.hits === watched.action.maxHits)
      this.report({ actionId: watched.action.id, state: 'hit_limit' });
    this.handoffs.get(key)?.();
  }

  async reconcile(desired: readonly ExceptionAction[]): Promise<void> {
    const before = this.actions;
    // An edited action (same id, new filters) takes effect from its next error, its snapshots counting on.
    this.actions = new Map(desired.map((a) => [a.id, { action: a, hits: before.get(a.id)?.hits ?? 0 }]));
    const edited = desired.filter((a) => before.has(a.id) && JSON.stringify(before.get(a.id)!.action) !== JSON.stringify(a));
    for (const id of before.keys()) {
      if (this.actions.has(id)) continue;
      this.rate.forget(id);
      this.report({ actionId: id, state: 'removed', message: 'the action was removed' });
    }
    // A new rate starts each stack's count afresh.
    for (const action of edited) if (action.ratePerMinute !== before.get(action.id)!.action.ratePerMinute) this.rate.forget(action.id);
    if (this.actions.size === 0) {
      // A closed session can no longer be told to stop pausing at errors.
      await this.session.stopPausing().catch(() => {});
      return this.close();
    }
    try {
      this.opening ??= this.open();
      await this.opening;
    } catch (err) {
      this.opening = undefined;
      for (const { action } of this.actions.values())
        this.report({ actionId: action.id, state: 'error', message: `could not watch for exceptions: ${(err as Error).message}` });
      return;
    }
    // The prepared path's filters live on the app's thread: it hears of every change.
    if (this.path.name === 'prepared') this.arm();
    for (const action of desired)
      if (!before.has(action.id)) this.report({ actionId: action.id, state: 'installed', message: this.path.describe() });
    for (const action of edited)
      this.report({ actionId: action.id, state: 'installed', message: `watching with the edited filters; ${this.path.describe()}` });
  }

  /** The actions the prepared path captures for, as the app thread needs them; none on the breakpoint path. */
  private arm(): void {
    const arms: ExceptionArm[] =
      this.path.name !== 'prepared'
        ? []
        : [...this.actions.values()].map(({ action }) => ({
            actionId: action.id,
            ...(action.errorType === undefined ? {} : { errorType: action.errorType }),
            ...(action.messagePattern === undefined ? {} : { messagePattern: action.messagePattern }),
            frames: action.frames ?? 2,
            ratePerMinute: action.ratePerMinute,
            maxHits: action.maxHits,
            expiresAt: Date.parse(action.expiresAt),
          }));
    this.hook.postMessage({ t: 'exceptions', arms });
  }

  /** Pauses at thrown errors on the breakpoint path only; the prepared path needs the session for error handlers' breakpoints alone. */
  private async usePath(): Promise<void> {
    if (this.path.name === 'prepared') await this.pauseOn('none');
    else {
      const cooling = this.caughtOffUntil - Date.now();
      await this.pauseOn(cooling > 0 ? 'uncaught' : 'all');
      if (cooling > 0) this.cooldown = setTimeout(() => void this.watchCaughtAgain(), cooling).unref();
    }
    this.arm();
  }

  /** An action of the prepared path whose snapshot may still be published, or undefined. */
  preparedAction(actionId: string): ExceptionAction | undefined {
    const watched = this.actions.get(actionId);
    return watched === undefined || watched.hits >= watched.action.maxHits ? undefined : watched.action;
  }

  /** A prepared-path snapshot was published: it counts toward the action's hit limit. */
  countPrepared(actionId: string): void {
    const watched = this.actions.get(actionId);
    if (watched !== undefined && ++watched.hits === watched.action.maxHits) this.report({ actionId, state: 'hit_limit' });
  }

  private async open(): Promise<void> {
    await this.session.open();
    if (!this.session.canPause) {
      this.session.close();
      throw new Error(
        'this target cannot be paused by the agent (a remote target attached over CDP); exception actions need the in-process agent',
      );
    }
    // Scripts loaded before the session opened decide the path; later ones arrive through scriptLoaded.
    const loaded = [...this.session.all()];
    await Promise.all(loaded.map((script) => this.path.loaded(script, (s) => this.session.source(s))));
    await this.usePath();
    for (const script of loaded) void this.scriptLoaded(script);
  }

  /**
   * Pausing at every thrown error, V8 runs a `throw` statement's breakpoint condition again at the
   * throw; at uncaught ones only, only where it predicts no catch, which the hook cannot tell: there
   * the hook counts every run (main/throw-reruns.ts). Told before V8 stops those runs and after it
   * starts them, so the hook never waits for a run that does not come. A V8 that makes no such
   * runs mutes the pause at a statement whose conditions were false instead: there a `throw`
   * line's condition is true at every hit, a pause of its own, so the throw's is not muted.
   */
  private async pauseOn(state: 'all' | 'uncaught' | 'none'): Promise<void> {
    // A `throw` line's runs are told by the pause that follows each (throw-reruns.ts).
    this.confirming = state !== 'none' && this.rerunsAtThrow;
    if (state !== 'all')
      this.hook.postMessage({ t: 'throw-reruns', runs: state === 'none' ? 'each' : this.rerunsAtThrow ? 'confirm' : 'pause' });
    // Any other statement's runs at the throw are told from hits by the frame, at any run
    // (main/raise-reruns.ts): on before V8 makes them, off after it stops.
    if (state !== 'none' && this.rerunsAtThrow) this.hook.postMessage({ t: 'raise-reruns', on: true });
    await this.session.pauseOnExceptions(state);
    if (state === 'all') this.hook.postMessage({ t: 'throw-reruns', runs: this.rerunsAtThrow ? 'pairs' : 'pause' });
    if (state === 'none') this.hook.postMessage({ t: 'raise-reruns', on: false });
  }

  close(): void {
    if (this.opening !== undefined) {
      this.hook.postMessage({ t: 'throw-reruns', runs: 'each' });
      this.hook.postMessage({ t: 'raise-reruns', on: false });
      this.hook.postMessage({ t: 'exceptions', arms: [] });
    }
    this.opening = undefined;
    this.confirming = false;
    this.session.close();
    this.frames.forget();
    this.handlers.clear();
    this.held.clear();
    clearTimeout(this.cooldown);
    for (const release of this.handoffs.values()) release();
  }

  /** A framework's file: a breakpoint at its error handler's entry reports the errors that reach it. */
  private async scriptLoaded(script: LoadedScript): Promise<void> {
    if (await this.path.loaded(script, (s) => this.session.source(s))) {
      await this.usePath().catch((err: unknown) =>
        this.log(`could not move exception actions to the breakpoint path: ${errorMessage(err)}`),
      );
      for (const { action } of this.actions.values())
        this.report({ actionId: action.id, state: 'installed', message: this.path.describe() });
    }
    if (!isErrorHandlerFile(script.path)) return;
    try {
      const entries = errorHandlerEntries(script.path, await this.session.source(script));
      if (entries.length === 0) {
        const missing = noErrorHandlerMessage(script.path);
        if (missing !== undefined) this.log(missing);
        return;
      }
      for (const entry of entries) {
        const id = await this.session.setBreakpointAt(
          script.scriptId,
          entry.lineNumber,
          entry.columnNumber,
          handlerCondition(entry.handed),
        );
        this.handlers.set(id, entry.handed);
      }
    } catch (err) {
      if (this.session.isOpen) this.log(`could not watch the error handler in ${script.path}: ${errorMessage(err)}`);
    }
  }

  /** Whether the watch reads `pause`, which it then ends. */
  private reads(pause: Paused): boolean {
    // The probe engine pauses before scripts run (script-start-pause.ts) and resumes when it has
    // placed its breakpoints: that pause is not this session's to end.
    if (pause.reason === 'instrumentation') return false;
    void this.paused(pause);
    return true;
  }

  private async paused(pause: Paused): Promise<void> {
    // Told of it only once the other session had ended it: nothing is left to read.
    if (!this.session.holds(pause)) return;
    try {
      if (pause.reason === 'exception' || pause.reason === 'promiseRejection') {
        const top = pause.callFrames?.[0];
        if (this.confirming && top !== undefined) await this.session.evaluateOn(top.callFrameId, THROW_RUN_AT_THROW);
        await this.thrown(pause);
      }
      const handler = pause.hitBreakpoints?.map((id) => this.handlers.get(id)).find((name) => name !== undefined);
      if (handler !== undefined) await this.reportedUnthrown(pause, handler);
      else if (pause.reason === 'other') await this.runTakenPaused(pause);
    } catch (err) {
      // A capture that fails must still let the app go on, and never throw into it.
      this.log(`could not capture the exception: ${errorMessage(err)}`);
    } finally {
      await this.session.resume(pause).catch(() => {});
    }
  }

  /**
   * A pause at no error and no handler: a probe's breakpoint on a `throw` line whose run the hook
   * took for V8's second run at the throw (main/throw-reruns.ts); it sets the pair right.
   */
  private async runTakenPaused(pause: Paused): Promise<void> {
    const frame = pause.callFrames?.[0];
    if (frame !== undefined) await this.session.evaluateOn(frame.callFrameId, THROW_RUN_PAUSED);
  }

  private async thrown(pause: Paused): Promise<void> {
    const { data } = pause;
    const all = pause.callFrames ?? [];
    if (data === undefined || this.actions.size === 0 || all.length === 0) return;
    // The agent's own code catches what it throws (a probe's getter read, say): none of the app's business.
    const first = this.session.scriptById(all[0]!.location.scriptId);
    if (first !== undefined && agentFileAmong([first.path]) !== undefined) return;
    // V8 says with each pause whether it predicts something catches the error; for a rejection,
    // from the handlers it can see (an awaiting caller; Node 24's V8 also a chained `.catch`).
    const caught = data.uncaught === false;
    const now = Date.now();
    if (caught && !this.inModuleLoader(all)) {
      const byApp = await this.thrownByApp(all[0]!);
      if (!(byApp ? this.budget : this.dependencyBudget).take(now)) return this.stopWatchingCaught(now, byApp);
    }
    // The throw site is the innermost frame of a file: Node's internals (node:fs) have none.
    const frames = all.filter((f) => this.session.scriptById(f.location.scriptId) !== undefined);
    const top = frames[0];
    if (top === undefined) return;
    const { objectId } = data;
    // A caught primitive (`throw 'x'`) cannot be followed to an error handler.
    if (caught && objectId === undefined) return;
    // An uncaught error caught and held before publishes its first throw site.
    if (!caught && objectId !== undefined && (await this.releaseHeld(objectId))) return;
    const described = await this.frames.describe(data);
    const wanted = this.wanting(described, now);
    if (wanted.length === 0) return;
    // Caught again (a rethrow between two catch blocks): it keeps its first throw site; one
    // reported already, thrown on to another handler (key 0), is not captured again.
    if (caught && (await this.heldKey(objectId!)) >= 0) return;
    const site = await this.frames.site(top);
    const stack = fingerprint(all);
    const chosen = this.pick(wanted, site, stack, now);
    if (chosen === undefined) return;
    const thrown: ThrownError = {
      type: described.types[0] ?? 'Error',
      message: described.message,
      causes: described.causes,
      // A rejection a framework handled is not an unhandled one.
      ...(pause.reason === 'promiseRejection' && !caught ? { rejection: true } : {}),
    };
    const key = this.nextKey();
    if (caught) await this.session.callAgentOn(objectId!, hold(key));
    const stacktrace = data.description ?? `${thrown.type}: ${thrown.message}`;
    await this.capture(chosen.action, key, frames, site, { action: chosen.action, thrown, stacktrace }, caught);
  }

  /**
   * Whether a caught error was thrown by the app's own code rather than a dependency's or Node's,
   * for the budget it counts toward. A bundler puts libraries into the app's chunk: there the
   * chunk's source map tells (the original source's path is under node_modules, `webpack://…/
   * ./node_modules/…` included), or a library's JSON parse attempts in a loop would spend the app's budget.
   */
  private async thrownByApp(frame: PausedFrame): Promise<boolean> {
    const script = this.session.scriptById(frame.location.scriptId);
    if (script === undefined || !isAppScript(script.path)) return false;
    const { lineNumber, columnNumber = 0 } = frame.location;
    return !(await this.locations.inDependencyAt(script, lineNumber + 1, columnNumber).catch(() => false));
  }

  /**
   * Whether the error was thrown inside Node's module loader, which tries each bare specifier a
   * module imports as a URL and catches the TypeError (a Nuxt page's chunks: about 100 throws at
   * its first request): no budget counts it, as it comes once per import, not per request.
   */
  private inModuleLoader(frames: readonly PausedFrame[]): boolean {
    for (const frame of frames) {
      const url = this.session.internalUrl(frame.location.scriptId);
      if (url === undefined) return false;
      if (url.startsWith('node:internal/modules/')) return true;
    }
    return false;
  }

  private async heldKey(objectId: string): Promise<number> {
    const key = await this.session.callAgentOn(objectId, HELD_KEY);
    return typeof key === 'number' ? key : -1;
  }

  /** The live actions whose type and message filters want the error: checked before its site is read. */
  private wanting(described: Described, now: number): Watched[] {
    return [...this.actions.values()].filter(
      (a) => a.hits < a.action.maxHits && now < Date.parse(a.action.expiresAt) && wants(a.action, described),
    );
  }

  /** The first of `wanted` whose file globs match the site and whose rate for this stack has room. */
  private pick(wanted: readonly Watched[], site: Site, stack: string, now: number): Watched | undefined {
    return wanted.find((a) => inFiles(a.action, site.file) && this.rate.take(a.action.id, stack, a.action.ratePerMinute, now));
  }

  /**
   * An error reached a framework's error handler without the agent seeing it thrown: the app
   * made it and passed it on (`next(new NotFoundError())`, a callback's error). Its site is the
   * innermost frame outside the framework and any tracer's wrappers: where the app handed it over.
   * An error the framework made itself (a body it could not parse, a schema it refused) has no
   * such frame: its site is the error handler, whose arguments hold the request it answers.
   */
  private async reportedUnthrown(pause: Paused, handed: string): Promise<void> {
    const all = pause.callFrames ?? [];
    const now = Date.now();
    // While caught errors are not watched, one thrown may look never thrown here: leave it.
    if (this.actions.size === 0 || all.length === 0 || now < this.caughtOffUntil) return;
    if (!this.budget.take(now)) return this.stopWatchingCaught(now, true);
    const error = await this.session.objectIn(all[0]!.callFrameId, handed);
    if (error.objectId === undefined) return;
    const traced = all.filter((f) => {
      const script = this.session.scriptById(f.location.scriptId);
      return script !== undefined && !isInstrumentationFile(script.path);
    });
    const outside = traced.filter((f) => !isFrameworkFile(this.session.scriptById(f.location.scriptId)!.path));
    const frames = outside.length > 0 ? outside : traced;
    const top = frames[0];
    if (top === undefined) return;
    const described = await this.frames.describe({ ...error, objectId: error.objectId });
    const site = await this.frames.site(top);
    const stack = fingerprint(all);
    const chosen = this.pick(this.wanting(described, now), site, stack, now);
    if (chosen === undefined) return;
    const thrown: ThrownError = { type: described.types[0] ?? 'Error', message: described.message, causes: described.causes };
    const stacktrace = error.description ?? `${thrown.type}: ${thrown.message}`;
    await this.capture(chosen.action, this.nextKey(), frames, site, { action: chosen.action, thrown, stacktrace }, false);
  }

  /** Publishes the capture held for the error `objectId`, if any, while the app waits; false when there was none. */
  private async releaseHeld(objectId: string): Promise<boolean> {
    const key = await this.heldKey(objectId);
    if (key <= 0) return false;
    const handedOff = this.handoff(key);
    if ((await this.session.callAgentOn(objectId, RELEASE)) === true) {
      await handedOff;
      return true;
    }
    this.handoffs.get(key)?.();
    return false;
  }

  /** Resolves when the hit relay has delivered `key`'s snapshot, or after HANDOFF_WAIT_MS. */
  private handoff(key: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, HANDOFF_WAIT_MS);
      const handoffs = this.handoffs;
      function done(): void {
        clearTimeout(timer);
        handoffs.delete(key);
        resolve();
      }
      this.handoffs.set(key, done);
    });
  }

  /** `byApp`: whether the app's budget was spent, or that of errors its dependencies and Node's own code threw. */
  private async stopWatchingCaught(now: number, byApp: boolean): Promise<void> {
    // The prepared path pauses only at an error handler, for an error it never saw thrown.
    if (this.path.name === 'prepared') return;
    this.caughtOffUntil = now + CAUGHT_COOLDOWN_MS;
    await this.pauseOn('uncaught');
    const threw = byApp
      ? `the app threw more than ${CAUGHT_PAUSES_PER_SECOND} caught errors in a second`
      : `the app's dependencies and Node's own code threw more than ${DEPENDENCY_CAUGHT_PAUSES_PER_SECOND} caught errors in a second`;
    const message = `watching uncaught errors only for ${CAUGHT_COOLDOWN_MS / 1000} s: ${threw}, and each costs a pause of the app; errors its handlers catch are not captured meanwhile`;
    for (const { action } of this.actions.values()) this.report({ actionId: action.id, state: 'installed', message });
    this.log(message);
    clearTimeout(this.cooldown);
    this.cooldown = setTimeout(() => void this.watchCaughtAgain(), CAUGHT_COOLDOWN_MS).unref();
  }

  private async watchCaughtAgain(): Promise<void> {
    if (!this.session.isOpen || this.path.name === 'prepared') return;
    this.budget.reset();
    this.dependencyBudget.reset();
    try {
      await this.pauseOn('all');
      for (const { action } of this.actions.values())
        this.report({ actionId: action.id, state: 'installed', message: 'watching caught errors again' });
    } catch (err) {
      this.log(`could not watch caught errors again: ${errorMessage(err)}`);
    }
  }

  /**
   * Captures the callers first (their values wait in the hook), then the throw site. Uncaught:
   * the app waits until the snapshot is handed off. Caught: the hook holds it, and so does the watch.
   */
  private async capture(
    action: ExceptionAction,
    key: number,
    frames: readonly PausedFrame[],
    site: Site,
    hit: Omit<ExceptionHit, 'file' | 'line' | 'functionName'>,
    caught: boolean,
  ): Promise<void> {
    const callers = Math.min((action.frames ?? 1) - 1, frames.length - 1);
    for (let index = 1; index <= callers; index++) {
      const caller = await this.frames.site(frames[index]!);
      await this.frames
        .evaluate(action, this.nextKey(), caller, { callerOf: { key, index } })
        .catch((err: unknown) => this.log(`could not capture caller ${index} of the exception: ${errorMessage(err)}`));
    }
    const full: ExceptionHit = { ...hit, file: site.file, line: site.originalLine, ...defined({ functionName: site.functionName }) };
    const exception = {
      'exception.type': hit.thrown.type,
      'exception.message': hit.thrown.message,
      'exception.stacktrace': hit.stacktrace,
    };
    if (caught) {
      this.keep(key, full);
      await this.frames.evaluate(action, key, site, { exception });
      return;
    }
    this.hits.set(key, full);
    const handedOff = this.handoff(key);
    try {
      await this.frames.evaluate(action, key, site, { exception });
      await handedOff;
    } finally {
      this.handoffs.get(key)?.();
      this.hits.delete(key);
    }
  }

  /** Keeps a held capture's hit for when its snapshot comes, under the hook's own bounds. */
  private keep(key: number, hit: ExceptionHit): void {
    const now = Date.now();
    for (const [k, held] of this.held) if (now - held.at > HELD_CAPTURES.ttlMs + HANDOFF_WAIT_MS) this.held.delete(k);
    this.held.set(key, { hit, at: now });
    if (this.held.size > HELD_CAPTURES.max) this.held.delete(this.held.keys().next().value!);
  }
}
