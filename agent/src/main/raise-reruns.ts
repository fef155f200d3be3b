/**
 * While a session pauses at thrown errors (caught ones, or uncaught ones only), V8 runs the
 * conditions of the breakpoints on a statement once more when that statement throws in its own
 * frame (a builtin such as `JSON.parse` throwing, a read of `null`, a call to a non-function), to
 * decide whether they mute the pause (throw-reruns.ts). An action's condition is where its hit
 * runs: that run would be a second hit, and its false would keep the exception action from the
 * error. On a `throw` statement runs alternate (throw-reruns.ts); on any other statement they need
 * not (a run that does not throw is followed by the next hit), but the frame tells: a hit runs
 * with the frame stopped where V8 put the breakpoint, while V8's run at the throw finds a builtin's
 * frame above it (a builtin threw) or the frame further along the statement (at the read or the
 * call that threw). The one case that reads the same is a throw at the breakpoint's own position
 * (`f()` with `f` not a function, the statement's first call; `throw await …`): that run counts as
 * a hit, as before.
 *
 * Reading the frame costs a captured stack trace (a few µs), paid only by breakpoints on such
 * statements while the exception watch is on; every other hit runs `hit` as before.
 */

import { arrayIncludes, isDataDescriptor } from './builtins.js';

/** A CallSite, as V8 passes them to `Error.prepareStackTrace`: only what is read here. */
interface CallSite {
  isEval(): boolean;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
}

// As the agent loaded: the app may replace them since.
const LoadedError = Error;
const captureStackTrace = Error.captureStackTrace;
const ownDescriptor = Object.getOwnPropertyDescriptor;
const isExtensible = Object.isExtensible;
const keepSites = (_error: Error, sites: NodeJS.CallSite[]): unknown => sites;

/** Stack frames read: the hook's own call (a remote hook's wrapper), the condition's, the frame it runs in. */
const FRAMES = 4;

export class RaiseReruns {
  private on = false;
  /** Whether V8 runs again at every throw, caught ones included: then `uncallable` runs alternate. */
  private everyThrow = false;
  /** Where V8 put each key's breakpoints, `line:column` of their script. */
  private readonly stops = new Map<number, readonly string[]>();
  /** Keys whose run found the statement's callee no function, and whose run at the throw is owed. */
  private readonly owed = new Set<number>();

  /** The exception watch says whether V8 may make those runs now. */
  set(on: boolean): void {
    this.on = on;
  }

  /** The exception watch says whether V8 runs again at every thrown error (throw-reruns.ts). */
  setEveryThrow(on: boolean): void {
    this.everyThrow = on;
    this.owed.clear();
  }

  stopsAt(key: number, stops: readonly string[]): void {
    this.stops.set(key, stops);
  }

  forget(key: number): void {
    this.stops.delete(key);
    this.owed.delete(key);
  }

  /**
   * Whether this run of `key`'s condition is V8's at a throw. `above`: the function the condition
   * called, whose frame and those above it are left out of the stack read. `uncallable`: the
   * statement starts with a call at the breakpoint's own position (`notify(order)`, `const user =
   * load(id)`), and its callee, a binding of the file, is no function now (condition-source.ts):
   * such a run throws right there, at the same position, before the statement can run again, so
   * while V8 runs again at every throw, runs alternate (as on a `throw` line). Uncaught throws only,
   * V8 runs again at those it predicts no catch for, which the hook cannot tell: each run is a hit.
   */
  atThrow(key: number, above: Function, uncallable: unknown): boolean {
    if (this.on !== true) return false;
    const stops = this.stops.get(key);
    if (stops === undefined) return false;
    const where = conditionFrame(above);
    if (where !== undefined && !arrayIncludes(stops, where)) {
      // An argument threw before the call did: the statement's run is over.
      this.owed.delete(key);
      return true;
    }
    if (uncallable !== true || this.everyThrow !== true) return false;
    if (this.owed.delete(key)) return true;
    this.owed.add(key);
    return false;
  }
}

/**
 * The `line:column` (1-based line, 0-based column) of the frame the breakpoint condition runs
 * in, `null:null` for a builtin's, or undefined when the stack cannot be read without the app
 * noticing: `Error.prepareStackTrace` and `Error.stackTraceLimit` are set for the read and put
 * back as they were, so each must be absent or a plain writable property (an accessor's setter
 * would run app code), on the `Error` the agent loaded with (Node reads the global one's).
 */
function conditionFrame(above: Function): string | undefined {
  if (globalThis.Error !== LoadedError) return undefined;
  const prepare = settable('prepareStackTrace');
  const limit = settable('stackTraceLimit');
  if (prepare === false || limit === false) return undefined;
  const holder: { stack?: unknown } = {};
  try {
    LoadedError.stackTraceLimit = FRAMES;
    LoadedError.prepareStackTrace = keepSites;
    captureStackTrace(holder, above);
    const sites = holder.stack as CallSite[];
    for (let i = 0; i < sites.length - 1; i++) {
      if (!sites[i]!.isEval()) continue;
      const frame = sites[i + 1]!;
      const column = frame.getColumnNumber();
      return `${frame.getLineNumber()}:${column === null ? null : column - 1}`;
    }
    return undefined;
  } finally {
    putBack('prepareStackTrace', prepare);
    putBack('stackTraceLimit', limit);
  }
}

/** An own property of Error as the app left it: absent (undefined), a plain writable one, or one not to touch (false). */
function settable(name: 'prepareStackTrace' | 'stackTraceLimit'): PropertyDescriptor | undefined | false {
  const own = ownDescriptor(LoadedError, name);
  if (own === undefined) return isExtensible(LoadedError) ? undefined : false;
  return isDataDescriptor(own) && own.writable === true ? own : false;
}

function putBack(name: 'prepareStackTrace' | 'stackTraceLimit', own: PropertyDescriptor | undefined): void {
  if (own === undefined) delete (LoadedError as unknown as Record<string, unknown>)[name];
  else (LoadedError as unknown as Record<string, unknown>)[name] = own.value;
}
