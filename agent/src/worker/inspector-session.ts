/**
 * The agent's own inspector session on the main thread. Open only while actions exist
 * (docs/architecture.md §8: V8 keeps memory for every breakpoint condition evaluation), and
 * separate from any other inspector user in the process.
 */
import { defined } from '@liveprobe/protocol/util';
import type { Debugger } from 'node:inspector';
import { AnalysisCache } from './analysis-cache.js';
import type { CdpTransport, Paused } from './cdp-transport.js';
import { DEBUGGER_ENABLE } from './debugger-enable.js';
import { type PauseRead, PauseReaders } from './pause-readers.js';
import { bundlerSource } from '../locate/bundler-urls.js';
import { evalModulePath, scriptPath } from '../locate/script-match.js';
import { textWithHash } from './script-on-disk.js';

export interface LoadedScript {
  scriptId: string;
  url: string;
  path: string;
  endLine: number;
  /** What the script's `//# sourceMappingURL=` says, if anything. */
  sourceMapURL?: string;
  /**
   * For a module run from a bundler's eval string (evalModulePath), the file V8 compiled last
   * before it: the chunk that evals it, as a rule, whose folder leads to the project its map's
   * paths are from (`dist/server.js`, `.next/server/app/cart/page.js`).
   */
  evaluatedAfter?: string;
  /** The execution context it runs in: a page that navigates or reloads takes its scripts along. */
  contextId?: number;
  /** V8's SHA-256 of its text, when the target reports one: its file is read instead when it matches (script-on-disk.ts). */
  hash?: string;
}

export interface BreakpointResult {
  breakpointId: string;
  /** Where V8 resolved the breakpoint (1-based line, 0-based column), or undefined when it found no code there. */
  location: { line: number; column: number } | undefined;
}

export class InspectorSession {
  private session: CdpTransport | undefined;
  private readonly scripts = new Map<string, LoadedScript>();
  /** The same scripts by V8's id: the exception watch places every frame of a paused stack. */
  private readonly byId = new Map<string, LoadedScript>();
  /**
   * Paths V8 compiled more than once under one URL: Node compiles the entry file twice when
   * `--import` loads it and no package.json gives its "type" (to detect module syntax, then to run it).
   */
  private readonly compiledAgain = new Set<string>();
  /**
   * Scripts' sources as read for a burst of installs (or the exception watch's look at a script
   * that loads), forgotten with the burst's analyses: kept for the session, each script read once
   * stayed in the worker's heap as long as an action did (a bundle of megabytes, twice as UTF-16).
   */
  private readonly sources = new AnalysisCache<Promise<string>>();
  /** Positions (`line:column:url`) holding an exact-URL breakpoint, by its id. */
  private readonly exactPositions = new Map<string, string>();
  /**
   * Project files (`./src/orders.ts`) whose code runs from an eval string a bundler named after
   * them (`webpack-internal:///./src/orders.ts`: webpack's `eval…` devtools): they have no file of
   * their own to place an action in, and are kept only to say so.
   */
  private readonly evaluated = new Set<string>();
  /** Node's own modules' URLs (`node:internal/modules/esm/resolve`), by V8's id: they are no file, but a pause's frames may be in them. */
  private readonly internals = new Map<string, string>();
  /** The URL of the file script V8 reported last. */
  private latest: string | undefined;
  /** Its path, that of a file: not a module run from an eval string. */
  private latestFile: string | undefined;
  /** Each pause this session's handler reads, until it resumes it. */
  private readonly reads = new WeakMap<Paused, PauseRead>();
  /** The last of them: ended when the session stops pausing or closes. */
  private lastRead: PauseRead | undefined;

  constructor(
    private readonly onScript: (script: LoadedScript) => void,
    /** A new transport for each time the session opens. */
    private readonly transport: () => CdpTransport,
    /** Every pause of the main thread, ours or not; true when the handler reads it, and then ends it with `resume(pause)`. */
    private readonly onPause: (pause: Paused) => boolean,
    /** Scripts (by V8's id) whose context went away: what was read from them is of no more use. */
    private readonly onScriptsGone: (scriptIds: string[]) => void = () => {},
    /** Who else reads the target's pauses: the agent's other session on it. */
    private readonly pauses: PauseReaders = new PauseReaders(),
  ) {}

  /** Loaded scripts with a URL the session knows of. */
  get size(): number {
    return this.scripts.size;
  }

  /** The URL of the file script V8 reported last: at a CommonJS gate's pause, the module about to run. */
  get latestUrl(): string | undefined {
    return this.latest;
  }

  get isOpen(): boolean {
    return this.session !== undefined;
  }

  /** Whether the open session can pause the target before its scripts run. */
  get canPause(): boolean {
    return this.session?.onPaused !== undefined;
  }

  async open(): Promise<void> {
    if (this.session !== undefined) return;
    const session = this.transport();
    await session.connect();
    session.onScriptParsed((params) => {
      const file = scriptPath(params.url);
      const path = file ?? evalModulePath(params.url, params.sourceMapURL);
      if (path === undefined) {
        if (params.url.startsWith('node:')) this.internals.set(params.scriptId, params.url);
        const bundled = bundlerSource(params.url, undefined);
        if (bundled?.kind === 'project') this.evaluated.add(bundled.relative);
        return;
      }
      const script: LoadedScript = {
        scriptId: params.scriptId,
        url: params.url,
        path,
        endLine: params.endLine + 1,
        ...(params.sourceMapURL ? { sourceMapURL: params.sourceMapURL } : {}),
        ...defined({
          contextId: params.executionContextId,
          evaluatedAfter: file === undefined ? this.latestFile : undefined,
          hash: params.hash,
        }),
      };
      if (file !== undefined) {
        this.latest = params.url;
        this.latestFile = file;
      }
      const replaced = this.scripts.get(path);
      if (replaced !== undefined) {
        this.byId.delete(replaced.scriptId);
        this.compiledAgain.add(path);
      }
      this.scripts.set(path, script);
      this.byId.set(script.scriptId, script);
      if (this.session !== undefined) this.onScript(script);
    });
    session.onPaused?.((pause) => this.paused(session, pause));
    session.onResumed?.(() => this.pauses.resumed());
    session.onContextGone?.((contextId) => this.contextGone(contextId));
    // Already enabled in a session opened at start-up: V8 then reports nothing again.
    await session.post('Debugger.enable', DEBUGGER_ENABLE);
    // Enabling the debugger would let a `debugger;` statement in the app pause it with nobody to
    // resume it. Skipping pauses is per session: another debugger attached to the app still stops
    // there, and breakpoint conditions (the probes) still run.
    await session.post('Debugger.setSkipAllPauses', { skip: true });
    this.session = session;
  }

  private paused(session: CdpTransport, pause: Paused): void {
    // Registered before the handler runs: it may be done, and resume, before this returns.
    const read = this.pauses.read(() => session.post('Debugger.resume').then(() => {}), pause.reason === 'instrumentation');
    this.reads.set(pause, read);
    this.lastRead = read;
    if (!this.onPause(pause)) this.pauses.ignore(read);
  }

  /** Disconnecting drops every breakpoint this session set; a pause it still read goes on to its other readers, or ends. */
  close(): void {
    if (this.lastRead !== undefined) void this.pauses.done(this.lastRead).catch(() => {});
    this.lastRead = undefined;
    this.session?.disconnect();
    this.session = undefined;
    this.scripts.clear();
    this.byId.clear();
    this.compiledAgain.clear();
    this.sources.clear();
    this.exactPositions.clear();
    this.evaluated.clear();
    this.internals.clear();
    this.latest = undefined;
    this.latestFile = undefined;
  }

  /**
   * A page that reloads or navigates keeps none of its scripts, and its next page may load only
   * some of them again (a lazily loaded chunk, not yet): a file is matched, and its code read,
   * only while a script of it is loaded.
   */
  private contextGone(contextId: number | undefined): void {
    const gone: string[] = [];
    for (const [path, script] of this.scripts) {
      if (contextId !== undefined && script.contextId !== contextId) continue;
      this.scripts.delete(path);
      this.byId.delete(script.scriptId);
      this.sources.delete(script.scriptId);
      // The next page compiling it again is a new script, not a second copy under one URL.
      this.compiledAgain.delete(path);
      gone.push(script.scriptId);
    }
    if (gone.length > 0) this.onScriptsGone(gone);
  }

  /** The project files whose code runs only from a bundler's eval strings (`./src/orders.ts`). */
  evaluatedFiles(): ReadonlySet<string> {
    return this.evaluated;
  }

  all(): IterableIterator<LoadedScript> {
    return this.scripts.values();
  }

  /** The URL of one of Node's own modules by V8's id for it, or undefined for any other script. */
  internalUrl(scriptId: string): string | undefined {
    return this.internals.get(scriptId);
  }

  /** A loaded script by V8's id for it (a paused frame's `url` may be empty). */
  scriptById(scriptId: string): LoadedScript | undefined {
    return this.byId.get(scriptId);
  }

  script(path: string): LoadedScript | undefined {
    return this.scripts.get(path);
  }

  source(script: LoadedScript): Promise<string> {
    return this.sources.get(script.scriptId, () => {
      // From its file when that is what V8 runs: V8 would serve the whole text on the app's thread.
      const source = textWithHash(script.path, script.hash).then(
        (text) =>
          text ??
          this.call<Debugger.GetScriptSourceReturnType>('Debugger.getScriptSource', { scriptId: script.scriptId }).then(
            (r) => r.scriptSource,
          ),
      );
      // A failed read is not kept: the next reader asks again.
      source.catch(() => this.sources.delete(script.scriptId));
      return source;
    });
  }

  /** `tag` makes the breakpoint unique, so several actions can share one line. */
  async setBreakpoint(
    script: LoadedScript,
    line: number,
    column: number | undefined,
    condition: string,
    tag: number,
  ): Promise<BreakpointResult> {
    // V8 allows one breakpoint per url, line and column (an absent column counting as 0). An
    // exact URL is compared as a string with each loaded script; a regular expression is compiled
    // again for each one, on the main thread, at set and at removal (milliseconds with thousands
    // of scripts), so it serves only a second action on the same position, with an alternative
    // that never matches a real URL to keep it distinct. It also serves a script V8 compiled twice
    // under one URL: there an exact URL put a breakpoint on a `return x;` line in the first copy
    // but two lines on in the second, the copy that runs (Node 20.20; V8's placement by the text
    // after the first copy's location, it seems), while a regular expression placed it on the
    // line in both.
    const position = `${line}:${column ?? 0}:${script.url}`;
    const shared = this.compiledAgain.has(script.path) || [...this.exactPositions.values()].includes(position);
    const target = shared ? { urlRegex: `^${escapeRegExp(script.url)}$|^liveprobe:probe:${tag}$` } : { url: script.url };
    const result = await this.call<Debugger.SetBreakpointByUrlReturnType>('Debugger.setBreakpointByUrl', {
      ...target,
      lineNumber: line - 1,
      ...defined({ columnNumber: column }),
      condition,
    });
    if (!shared) this.exactPositions.set(result.breakpointId, position);
    const location = result.locations[0];
    return {
      breakpointId: result.breakpointId,
      location: location === undefined ? undefined : { line: location.lineNumber + 1, column: location.columnNumber ?? 0 },
    };
  }

  /** The positions (1-based line, 0-based column) where a function returns, explicitly or at its end. */
  async returnPositions(
    script: LoadedScript,
    start: { line: number; column: number },
    end: { line: number; column: number },
  ): Promise<{ line: number; column: number }[]> {
    const { locations } = await this.call<Debugger.GetPossibleBreakpointsReturnType>('Debugger.getPossibleBreakpoints', {
      start: { scriptId: script.scriptId, lineNumber: start.line - 1, columnNumber: start.column },
      end: { scriptId: script.scriptId, lineNumber: end.line - 1, columnNumber: end.column },
      restrictToFunction: true,
    });
    return locations.filter((l) => l.type === 'return').map((l) => ({ line: l.lineNumber + 1, column: l.columnNumber ?? 0 }));
  }

  /**
   * Pauses the target before each script parsed from now on runs (`Debugger.paused` with reason
   * 'instrumentation'), until the returned breakpoint is removed.
   */
  async pauseBeforeScripts(): Promise<string> {
    await this.call('Debugger.setSkipAllPauses', { skip: false });
    return (
      await this.call<{ breakpointId: string }>('Debugger.setInstrumentationBreakpoint', { instrumentation: 'beforeScriptExecution' })
    ).breakpointId;
  }

  /** Undoes pauseBeforeScripts: the session skips every pause again. */
  async stopPausingBeforeScripts(breakpointId: string): Promise<void> {
    if (this.session === undefined) return;
    await this.session.post('Debugger.removeBreakpoint', { breakpointId });
    await this.session.post('Debugger.setSkipAllPauses', { skip: true });
  }

  /**
   * From now on this session pauses the target at every thrown error (`all`) or where V8 predicts
   * one (or a rejected promise) will not be caught (`uncaught`), or at none (`none`: its breakpoints
   * alone), and at nothing else it can skip.
   */
  async pauseOnExceptions(state: 'all' | 'uncaught' | 'none'): Promise<void> {
    await this.call('Debugger.setSkipAllPauses', { skip: false });
    await this.call('Debugger.setPauseOnExceptions', { state });
  }

  /** A breakpoint at a position of one loaded script (0-based line and column); V8 moves it to the next statement. */
  async setBreakpointAt(scriptId: string, lineNumber: number, columnNumber: number, condition: string): Promise<string> {
    const result = await this.call<Debugger.SetBreakpointReturnType>('Debugger.setBreakpoint', {
      location: { scriptId, lineNumber, columnNumber },
      condition,
    });
    return result.breakpointId;
  }

  /** Runs `expression` in a frame of the paused target; its result and any error are ignored. */
  async evaluateOn(callFrameId: string, expression: string): Promise<unknown> {
    return await this.call('Debugger.evaluateOnCallFrame', { callFrameId, expression, silent: true });
  }

  /** A name's value in a frame of the paused target, under V8's side-effect check: its object id, if it is an object. */
  async objectIn(callFrameId: string, name: string): Promise<{ objectId?: string; type: string; description?: string; value?: unknown }> {
    const { result } = await this.call<{ result: { objectId?: string; type: string; description?: string; value?: unknown } }>(
      'Debugger.evaluateOnCallFrame',
      { callFrameId, expression: name, silent: true, throwOnSideEffect: true },
    );
    return result;
  }

  /** Calls `fn` with `this` = the object, under V8's side-effect check; its result by value, or undefined if it threw. */
  async callOn(objectId: string, fn: string): Promise<unknown> {
    const result = await this.call<{ result: { value?: unknown }; exceptionDetails?: unknown }>('Runtime.callFunctionOn', {
      objectId,
      functionDeclaration: fn,
      returnByValue: true,
      throwOnSideEffect: true,
      silent: true,
    });
    return result.exceptionDetails === undefined ? result.result.value : undefined;
  }

  /** Calls the agent's own `fn` with `this` = the object, side effects allowed; its result by value. */
  async callAgentOn(objectId: string, fn: string): Promise<unknown> {
    const result = await this.call<{ result: { value?: unknown }; exceptionDetails?: unknown }>('Runtime.callFunctionOn', {
      objectId,
      functionDeclaration: fn,
      returnByValue: true,
      silent: true,
    });
    return result.exceptionDetails === undefined ? result.result.value : undefined;
  }

  /** A script's source by its id, whether or not its URL names a file. */
  async sourceById(scriptId: string): Promise<string> {
    return (await this.call<Debugger.GetScriptSourceReturnType>('Debugger.getScriptSource', { scriptId })).scriptSource;
  }

  /**
   * This session pauses the target no more, and is done with the pause it reads, if any. Disconnecting
   * alone is not enough: with the probe engine's session still open, V8 went on pausing the main
   * thread at every thrown error after this one had gone, and nobody resumed it
   * (test/agent/exception-removed.test.ts).
   */
  async stopPausing(): Promise<void> {
    if (this.session === undefined) return;
    await this.session.post('Debugger.setPauseOnExceptions', { state: 'none' });
    await this.session.post('Debugger.setSkipAllPauses', { skip: true });
    if (this.lastRead !== undefined) await this.pauses.done(this.lastRead).catch(() => {});
  }

  /** Whether `pause` still holds the target for this session: it was not ended meanwhile, by it or another. */
  holds(pause: Paused): boolean {
    return this.reads.get(pause)?.live === true;
  }

  /**
   * This session is done reading `pause`: the target goes on once every session reading it is
   * (pause-readers.ts). A pause already ended is not resumed again: that would end the next one.
   */
  async resume(pause: Paused): Promise<void> {
    const read = this.reads.get(pause);
    if (this.session === undefined || read === undefined) return;
    await this.pauses.done(read);
  }

  async removeBreakpoint(breakpointId: string): Promise<void> {
    if (this.session === undefined) return;
    this.exactPositions.delete(breakpointId);
    await this.session.post('Debugger.removeBreakpoint', { breakpointId });
  }

  private async call<T>(method: string, params: object): Promise<T> {
    if (this.session === undefined) throw new Error('the inspector session is closed');
    return (await this.session.post(method, params)) as T;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
