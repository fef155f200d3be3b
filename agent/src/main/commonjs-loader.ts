/** Prepares matching CommonJS files as Node's module loader compiles them. */
import Module from 'node:module';

type Compile = (this: unknown, content: string, filename: string) => unknown;

export function installCommonJsLoader(prepare: (filename: string, content: string) => string | undefined): void {
  const prototype = (Module as unknown as { prototype: { _compile: Compile } }).prototype;
  const compile = prototype._compile;
  prototype._compile = function compileWithProbeSites(content: string, filename: string): unknown {
    let prepared: string | undefined;
    try {
      prepared = prepare(filename, content);
    } catch {
      prepared = undefined;
    }
    return compile.call(this, prepared ?? content, filename);
  };
}
