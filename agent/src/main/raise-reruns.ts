/**
 * While a session pauses at thrown errors (caught ones, or uncaught ones only), V8 runs the
 * conditions of the breakpoints on a statement once more when that statement throws in its own
 * frame (a builtin such as `JSON.parse` throwing, a read of `null`, a call to a non-function), to
 * decide whether they mute the pause (throw-reruns.ts). An action's condition is where its hit
 * runs: that run would be a second hit, and its false would keep the exception action from the
 * error. On a `throw` statement runs alternate (throw-reruns.ts); on any other statement they need
 * not (a run that does not throw is followed by the next hit), but the frame tells: a hit runs
 * with the frame stopped where V8 put the breakpoint (the worker says where), while V8's run at
 * the throw finds a builtin's frame above it (a builtin threw) or the frame further along the
 * statement (at the read or the call that threw). A throw at the breakpoint's own position reads
 * the same: the statement's first call, of a binding that holds no function, is told by the
 * condition, and those runs alternate (`run`); a `throw await call()` is placed on the call
 * (worker/probe-engine.ts), so its run at the throw stops elsewhere.
 *
 * Reading the frame costs a captured stack trace of four frames, paid only by breakpoints on such
 * statements while the exception watch is on; every other hit runs `hit` as before.
 */

import { arrayIncludes, isDataDescriptor } from './builtins.js';
import { isOwnStackAccessor } from './stack-formatter.js';
import type { ThrowReruns, ThrowRun } from './throw-reruns.js';

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
const defineProperty = Object.defineProperty;
const isExtensible = Object.isExtensible;
const keepSites = (_error: Error, sites: NodeJS.CallSite[]): unknown => sites;

/** Stack frames read: the hook's own call (a remote hook's wrapper), the condition's, the frame it runs in. */
const FRAMES = 4;

export class RaiseReruns {
  private on = false;
  /** Where V8 put each key's breakpoints, `line:column` of their script. */
  private readonly stops = new Map<number, readonly string[]>();

  /** `alternating`: the `throw` lines' pairing, which runs that throw at their own stop share. */
  constructor(private readonly alternating: ThrowReruns) {}

  /** The exception watch says whether V8 may make those runs now. */
  set(on: boolean): void {
    this.on = on;
  }

  stopsAt(key: number, stops: readonly string[]): void {
    this.stops.set(key, stops);
  }

  forget(key: number): void {
    this.stops.delete(key);
  }

  /**
   * What this run of `key`'s condition is. `above`: the function the condition called, whose
   * frame and those above it are left out of the stack read. `uncallable`: the statement starts
   * with a call at the breakpoint's own position (`notify(order)`, `const user = load(id)`), and its
   * callee, a binding of the file, is no function now (condition-source.ts): such a run throws
   * right there, before the statement can run again, so its runs pair as a `throw` line's do
   * (throw-reruns.ts), while V8 runs again at every throw; at uncaught ones only, each is a hit.
   */
  run(key: number, above: (...args: never[]) => unknown, uncallable: unknown): ThrowRun {
    if (this.on !== true) return 'hit';
    const stops = this.stops.get(key);
    if (stops === undefined) return 'hit';
    const where = conditionFrame(above);
    // Stopped elsewhere: the statement threw further along (an argument, before the call), its run is over.
    if (where !== undefined && !arrayIncludes(stops, where)) return this.alternating.thrownElsewhere(key);
    return uncallable === true ? this.alternating.run(key) : 'hit';
  }
}

/**
 * The `line:column` (1-based line, 0-based column) of the frame the breakpoint condition runs
 * in, `null:null` for a builtin's, or undefined when the stack cannot be read without the app
 * noticing: `Error.prepareStackTrace` and `Error.stackTraceLimit` are set for the read and put
 * back as they were, so each must be absent or a plain writable property (an accessor's setter
 * would run app code), on the `Error` the agent loaded with (Node reads the global one's). The
 * agent's own accessor (stack-traces.ts, once a prepared file binds) is defined over for the
 * read and defined back, never set through: its setter is the agent's, but its getter would hand
 * the frames remapped to the code as written (V8's stops are in the running text), and through an
 * app's formatter assigned behind it. Defining over it runs none of the app's code.
 */
function conditionFrame(above: (...args: never[]) => unknown): string | undefined {
  if (globalThis.Error !== LoadedError) return undefined;
  const prepare = settable('prepareStackTrace');
  const limit = settable('stackTraceLimit');
  if (prepare === false || limit === false) return undefined;
  const holder: { stack?: unknown } = {};
  try {
    setFor('stackTraceLimit', FRAMES, limit);
    setFor('prepareStackTrace', keepSites, prepare);
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
  if (isDataDescriptor(own)) return own.writable === true ? own : false;
  return name === 'prepareStackTrace' && own.configurable === true && isOwnStackAccessor(own) ? own : false;
}

function setFor(name: 'prepareStackTrace' | 'stackTraceLimit', value: unknown, own: PropertyDescriptor | undefined): void {
  if (own === undefined || isDataDescriptor(own)) (LoadedError as unknown as Record<string, unknown>)[name] = value;
  else defineProperty(LoadedError, name, { value, writable: true, configurable: true, enumerable: false });
}

function putBack(name: 'prepareStackTrace' | 'stackTraceLimit', own: PropertyDescriptor | undefined): void {
  if (own === undefined) delete (LoadedError as unknown as Record<string, unknown>)[name];
  else if (isDataDescriptor(own)) (LoadedError as unknown as Record<string, unknown>)[name] = own.value;
  else defineProperty(LoadedError, name, own);
}
