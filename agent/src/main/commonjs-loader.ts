/**
 * Prepares matching CommonJS files as Node's module loader compiles them. The wrapper keeps
 * `Module.prototype._compile`'s contract: every argument Node passes goes through unchanged
 * (Node 20.19+ passes a `format`, `'module'` for an ES module loaded by `require()`), and it calls
 * Node's method through `Reflect.apply` captured before the app runs, so an app that replaces
 * `Function.prototype.call` still loads its modules.
 */
import Module from 'node:module';

type Compile = (this: unknown, content: string, filename: string, ...rest: unknown[]) => unknown;

/** What to compile instead of `content`, or undefined to compile it as it is. */
export type CommonJsPreparer = (filename: string, content: string, format: unknown) => string | undefined;

const apply = Reflect.apply;

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
    return apply(compile, this, [prepared ?? content, filename, ...rest]);
  };
}
