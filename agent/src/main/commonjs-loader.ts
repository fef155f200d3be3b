/**
 * Wraps Node's module loader for CommonJS files: prepares matching files as Node compiles them
 * (LIVEPROBE_PREPARE), and, while an action waits for its file, lets the worker place it before
 * the module's code runs. The wrapper keeps `Module.prototype._compile`'s contract: every argument
 * Node passes goes through unchanged (Node 20.19+ passes a `format`, `'module'` for an ES module
 * loaded by `require()`), and it calls Node's method through `Reflect.apply` captured before the
 * app runs, so an app that replaces `Function.prototype.call` still loads its modules.
 *
 * V8 pauses the main thread for the worker before each new script's top level runs, but Node
 * compiles a CommonJS module as a function, which it does not pause before (nodejs/node#31138).
 * Node's `_compile` compiles the module, reads the module's `exports`, then runs it: while the
 * worker says actions wait, that read is a one-time accessor that first runs a tiny script of
 * the agent's own (COMMONJS_GATE_URL). V8 pauses before it, once the module's script exists, and
 * the worker places what waits for that script, as for any script. `vm.compileFunction` (jest's
 * module loader) runs the gate as it returns, for the same reason (gateCompiledFunctions).
 *
 * The loader's wrapper is installed once preparing or the gate first needs it (`vm.compileFunction`'s
 * as the agent loads). The loader's own frame sits under a module's top-level code while it runs.
 * Stack traces of prepared files hide it (stack-traces.ts); with no file prepared, an error thrown
 * as a module loads shows it once an action has waited for a file, and while Node compiles and
 * runs the module, `Error.stackTraceLimit` is one more than the app set, so an error thrown there still shows as
 * many of the app's frames as the limit says (nested requires add one each, as they add one
 * hidden frame each). A value the module sets meanwhile is left as it set it.
 */
import Module, { syncBuiltinESMExports } from 'node:module';
import vm, { Script } from 'node:vm';
import { COMMONJS_GATE_URL } from '../bridge.js';

type Compile = (this: unknown, content: string, filename: string, ...rest: unknown[]) => unknown;

/** What to compile instead of `content`, or undefined to compile it as it is. */
export type CommonJsPreparer = (filename: string, content: string, format: unknown) => string | undefined;

const apply = Reflect.apply;
const { defineProperty, getOwnPropertyDescriptor } = Reflect;
const atomicLoad = Atomics.load;
const gate = new Script('0', { filename: COMMONJS_GATE_URL });
const runGate = gate.runInThisContext.bind(gate);

/** This file, as V8 names it in stack frames: its wrapper's frame is hidden from the app's stacks. */
export const LOADER_FILE = import.meta.url;

let prepare: CommonJsPreparer | undefined;
/** Shared with the worker: non-zero while V8 pauses before new scripts (script-start-pause.ts). */
let paused: Int32Array | undefined;
let installed = false;

/** Prepares the CommonJS files `preparer` says to, from now on. */
export function prepareCommonJs(preparer: CommonJsPreparer): void {
  prepare = preparer;
  install();
}

/**
 * From now on, while `pausing` is non-zero, each CommonJS module runs the gate once Node has
 * compiled it. Installed only once an action first waits for its file: until then an app's
 * stacks show no frame of the agent's.
 */
export function gateCommonJs(pausing: Int32Array): void {
  paused = pausing;
  install();
}

let functionsGated = false;

/**
 * `vm.compileFunction` (jest compiles each module a test file loads with it) makes a function V8
 * does not pause before either (no `beforeScriptExecution` on Node 20, 22 or 24): while actions
 * wait, the gate runs once the function is compiled, before whoever compiled it can call it.
 * Installed as the agent loads, before the app's code, so that a compiler that keeps the function
 * (`const { compileFunction } = require('node:vm')`) has the wrapper too, and ES named imports of
 * `node:vm` are brought up to date (syncBuiltinESMExports). Until an action waits it only passes
 * the call on: its name and length are Node's, and the function it returns is Node's own.
 */
export function gateCompiledFunctions(): void {
  if (functionsGated) return;
  functionsGated = true;
  const original = vm.compileFunction;
  // Three parameters and a plain call, no rest array to allocate: every compile goes through this.
  // Node's reads no more than these (one not given is undefined to it as to this), nor `this`.
  const gated = function compileFunction(code: string, params?: string[], options?: vm.CompileFunctionOptions): unknown {
    const compiled: unknown = original(code, params, options);
    if (paused !== undefined && atomicLoad(paused, 0) !== 0) {
      try {
        runGate();
      } catch {
        // As in gateBeforeRun: the gate only gives V8 a place to pause.
      }
    }
    return compiled;
  };
  // As Node's, for code that reads them (a bundled build would otherwise name it as the agent's bundler did).
  defineProperty(gated, 'name', { value: original.name, configurable: true });
  defineProperty(gated, 'length', { value: original.length, configurable: true });
  vm.compileFunction = gated as typeof vm.compileFunction;
  syncBuiltinESMExports();
}

function install(): void {
  if (installed) return;
  installed = true;
  const prototype = (Module as unknown as { prototype: { _compile: Compile } }).prototype;
  const compile = prototype._compile;
  prototype._compile = function _compile(this: unknown, content: string, filename: string, ...rest: unknown[]): unknown {
    let prepared: string | undefined;
    try {
      prepared = prepare?.(filename, content, rest[0]);
    } catch {
      prepared = undefined;
    }
    const settle = paused === undefined || atomicLoad(paused, 0) === 0 ? undefined : gateBeforeRun(this);
    const limit = Error.stackTraceLimit;
    const raised = typeof limit === 'number' && limit >= 0 && limit < Number.MAX_SAFE_INTEGER ? limit + 1 : limit;
    Error.stackTraceLimit = raised;
    try {
      return apply(compile, this, [prepared ?? content, filename, ...rest]);
    } finally {
      settle?.();
      if (Error.stackTraceLimit === raised) Error.stackTraceLimit = limit;
    }
  };
}

/**
 * Makes the module's `exports` an accessor that, at its first read or write, becomes the data
 * property it was (with the value written, if any), and at its first read runs the gate script.
 * Returns what puts the property back if Node never touched it (a file that did not compile).
 */
function gateBeforeRun(module: unknown): (() => void) | undefined {
  if (typeof module !== 'object' || module === null) return undefined;
  const own = getOwnPropertyDescriptor(module, 'exports');
  if (own === undefined || !('value' in own) || own.configurable !== true) return undefined;
  let value: unknown = own.value;
  let settled = false;
  const settle = (): void => {
    if (settled) return;
    settled = true;
    defineProperty(module, 'exports', { value, writable: own.writable, enumerable: own.enumerable, configurable: true });
  };
  defineProperty(module, 'exports', {
    configurable: true,
    enumerable: own.enumerable,
    get() {
      settle();
      try {
        runGate();
      } catch {
        // The gate only gives V8 a place to pause; the module loads whatever it does.
      }
      return value;
    },
    set(next: unknown) {
      value = next;
      settle();
    },
  });
  return settle;
}
