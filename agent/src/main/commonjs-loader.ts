/**
 * Prepares matching CommonJS files as Node's module loader compiles them. The wrapper keeps
 * `Module.prototype._compile`'s contract: every argument Node passes goes through unchanged
 * (Node 20.19+ passes a `format`, `'module'` for an ES module loaded by `require()`), and it calls
 * Node's method through `Reflect.apply` captured before the app runs, so an app that replaces
 * `Function.prototype.call` still loads its modules.
 *
 * The wrapper's own frame sits under a module's top-level code while it runs. Stack traces hide
 * it (stack-traces.ts), and while Node compiles and runs the module, `Error.stackTraceLimit` is
 * one more than the app set, so an error thrown there still shows as many of the app's frames as
 * the limit says (nested requires add one each, as they add one hidden frame each). A value the
 * module sets meanwhile is left as it set it.
 */
import Module from 'node:module';

type Compile = (this: unknown, content: string, filename: string, ...rest: unknown[]) => unknown;

/** What to compile instead of `content`, or undefined to compile it as it is. */
export type CommonJsPreparer = (filename: string, content: string, format: unknown) => string | undefined;

const apply = Reflect.apply;

/** This file, as V8 names it in stack frames: its wrapper's frame is hidden from the app's stacks. */
export const LOADER_FILE = import.meta.url;

export function installCommonJsLoader(prepare: CommonJsPreparer): void {
  const prototype = (Module as unknown as { prototype: { _compile: Compile } }).prototype;
  const compile = prototype._compile;
  prototype._compile = function _compile(this: unknown, content: string, filename: string, ...rest: unknown[]): unknown {
    let prepared: string | undefined;
    try {
      prepared = prepare(filename, content, rest[0]);
    } catch {
      prepared = undefined;
    }
    const limit = Error.stackTraceLimit;
    const raised = typeof limit === 'number' && limit >= 0 && limit < Number.MAX_SAFE_INTEGER ? limit + 1 : limit;
    Error.stackTraceLimit = raised;
    try {
      return apply(compile, this, [prepared ?? content, filename, ...rest]);
    } finally {
      if (Error.stackTraceLimit === raised) Error.stackTraceLimit = limit;
    }
  };
}
