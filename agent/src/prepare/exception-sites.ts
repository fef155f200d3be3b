/**
 * Exception sites of prepared files (docs/PREPARE.md#exception-sites): where a thrown error is
 * seen without the inspector. Two insertions, both switched by one process-wide flag (`$lpX[0]`,
 * on while an exception action takes the prepared path):
 *
 * - `throw E` becomes `throw new $lpW((E), on ? [line, this, kinds, …bindings] : 0)`: `$lpW`
 *   returns `E` itself, so the same object is thrown from the same position (the stack was taken
 *   when `E` was made); a primitive, which `new` cannot give back, it throws itself. When on, it
 *   records the throw site with every binding in scope there. `new`, not a call: a call would
 *   drop the last pending function of the enclosing expression from V8's name inference (an
 *   arrow in `const calls = [() => …, () => [1].map(function () { throw … })]` would lose its
 *   name `calls`).
 * - A block-bodied function's body goes inside `try {…} catch ($lpE) {…; throw $lpE;}`: an error
 *   from a callee or an expression is seen at the innermost prepared frame it leaves, and outer
 *   frames add callers. The catch records only when on, and rethrows the very same value. It
 *   records with `new` and one array, as probe sites do: each register the catch needs is taken
 *   from every frame of the function (recursion depth), and a `try` of its own there cost ×0.75.
 *
 * A throw site passes `[line, this, kinds, name, value, …]`, a catch `[error, line, this, kinds, …]`:
 * `kinds` has one letter per binding, `a` (argument), `l` (local) or `o` (outer), after a `+` when
 * the throw statement's own function has a `catch` that will see the error next; a `*name` comes
 * with a reader, as on probe sites.
 */
import { isFunction } from '../locate/ast-node.js';
import { boundNames, pushChildren, type AstNode } from './ast.js';

const ON = '$lpX[0] !== 0';

/** The array a site passes: built only when the flag is on. */
/** `bindings`: the kinds and preformatted fields (`, "a", a, …`) of site-bindings.ts. */
export function exceptionPass(
  line: number,
  self: 'this' | 'undefined',
  bindings: { kinds: string; fields: string },
  catchFollows = false,
): string {
  const kinds = (catchFollows ? '+' : '') + bindings.kinds;
  return `[${line}, ${self === 'this' ? 'this' : 'void 0'}, ${JSON.stringify(kinds)}${bindings.fields}]`;
}

export const THROW_OPEN = 'new $lpW((';

export function throwClose(pass: string): string {
  return `), ${ON} ? ${pass} : 0)`;
}

export function catchOpen(afterDirectiveWithoutSemicolon: boolean): string {
  return `${afterDirectiveWithoutSemicolon ? ';' : ''}try {`;
}

export function catchClose(pass: string): string {
  return `} catch ($lpE) {if (${ON}) new $lpT([$lpE, ${pass.slice(1)}); throw $lpE;}`;
}

/**
 * Why a function's body cannot go inside a `try` block, or undefined. In a block, a function
 * declaration is block-scoped: two of one name, or one sharing its name with a `var` or a
 * parameter, would not compile there or would bind differently.
 */
export function unwrappable(fn: AstNode): string | undefined {
  const declared = functionNames(fn.body.body as AstNode[]);
  if (declared === undefined) return undefined;
  if (typeof declared === 'string') return declared;
  const params = (fn.params as AstNode[]).flatMap((param) => boundNames(param));
  if (params.some((name) => declared.has(name))) return 'a function declaration named as a parameter';
  if (declaresVar(fn.body, declared)) return 'a function declaration named as a `var`';
  return undefined;
}

/**
 * The names `statements` declare functions by (undefined: none, most bodies), or why they cannot
 * be wrapped. A function of its own: a bundle's wrapper runs this loop thousands of times in one
 * call, so V8 compiles it on the stack before any code after the loop has run, and on Node 20
 * that code, in the same function, then deoptimised at every later call (2,000 times over
 * typescript.js in some runs).
 */
function functionNames(statements: AstNode[]): Set<string> | string | undefined {
  let declared: Set<string> | undefined;
  for (const statement of statements) {
    if (statement.type !== 'FunctionDeclaration' || statement.id == null) continue;
    const name = statement.id.name as string;
    declared ??= new Set();
    if (declared.has(name)) return 'two function declarations of one name';
    declared.add(name);
  }
  return declared;
}

/**
 * Whether `body` declares one of `names` with `var`, not entering nested functions. One shared
 * stack and an early exit: the walk covers the whole body of every function that declares a
 * function, the file's wrapper among them.
 */
function declaresVar(body: AstNode, names: ReadonlySet<string>): boolean {
  const stack = pushChildren(body, []);
  const bound: string[] = [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (isFunction(node)) continue;
    if (node.type === 'VariableDeclaration' && node.kind === 'var') {
      bound.length = 0;
      for (const d of node.declarations as AstNode[]) boundNames(d.id, bound);
      if (bound.some((name) => names.has(name))) return true;
    }
    pushChildren(node, stack);
  }
  return false;
}
