/**
 * What a probe puts in place of a variable's value when it did not read it: V8 did not keep
 * the variable, reading it would have run a getter of the global object, or a prepared site
 * does not pass it.
 */

import { ownProperty } from './builtins.js';

/** Marks a variable V8 did not keep in the paused frame's scope. */
export const NOT_AVAILABLE: unique symbol = Symbol('liveprobe.not-available');

/** Stands for a global variable that is a getter the agent did not run; evaluating it fails with that reason. */
export const GLOBAL_GETTER: unique symbol = Symbol('liveprobe.global-getter');

/**
 * A name the probed code does not bind, in a page: there the global object counts as a Proxy
 * (the conservative mode, docs/attach.md), so whether it has such a property is not read.
 */
export const GLOBAL_UNREAD: unique symbol = Symbol('liveprobe.global-unread');

/** Marks a `let`/`const`/`class` declared after the line: in its temporal dead zone there. */
export const NOT_INITIALISED: unique symbol = Symbol('liveprobe.not-initialised');

/**
 * On a prepared site: a name the site does not pass (not defined there, or a binding of an
 * enclosing scope its function never uses). A symbol, not an object carrying its reason: an
 * expression tells a marker from a value the app passed by `typeof` alone, where an object's
 * brand check cost a polymorphic lookup on every object value of every hit.
 */
export const NOT_PASSED: unique symbol = Symbol('liveprobe.not-passed');

/** On a prepared site: a binding read lazily (`*name`) that was in its temporal dead zone. */
export const NOT_INITIALISED_AT_SITE: unique symbol = Symbol('liveprobe.not-initialised-at-site');

/**
 * At a breakpoint on a `return` inside a block: a `let`/`const`/`class` of that block V8 did not
 * show. V8 may stop on such a return after the block's bindings have left its view of the frame
 * (`const total = …; return total;`), while a prepared site before the return still sees them.
 */
export const LEFT_BLOCK: unique symbol = Symbol('liveprobe.left-block');

/**
 * Why `name` is missing where the built code has no variable of that name at the line, in a script
 * with a source map (ArmProbe's `unbound`): a minifier drops a variable it can inline
 * (`const data = await f(); return data` runs as `return await f()`), and so does a bundler that
 * folds single-use constants without minifying (Vite 8), and V8 cannot keep what is not there.
 * Which tool did it is not known here, so the advice names none.
 */
export function unboundReason(name: string): string {
  return `\`${name}\` is not a variable of the built code at this line: not defined here, or removed or inlined by the build (a bundler or minifier folds a single-use variable into its use: \`const ${name} = f(); return ${name}\` runs as \`return f()\`); to read it, read an expression that is still there (what \`${name}\` was set to), or build with that inlining off`;
}

/**
 * Why `name` could not be read, when `marker` is one of the markers that carry their own reason.
 * `unbound`: the built code has no variable `name` at the line (unboundReason).
 */
export function markerReason(marker: symbol, name: string, unbound = false): string | undefined {
  if (marker === NOT_PASSED) {
    // Only when a read failed, never on a hit that reads: hasOwnProperty runs no getter, and
    // unlike a descriptor read it leaves Node's lazy globals unloaded.
    if (ownProperty(globalThis, name))
      return `\`${name}\` is a global: a prepared site reads only the line's own variables (its function's, and those of enclosing scopes the function uses), not globals; assign what you need of \`${name}\` to a variable the function uses, or leave the file unprepared (\`!path\` in LIVEPROBE_PREPARE) so that the breakpoint path reads globals`;
    if (unbound) return unboundReason(name);
    return `\`${name}\` is not available at this line (not defined here, not initialised yet here, or a variable of an enclosing scope that this function never uses: a prepared site sees what its function sees)`;
  }
  if (marker === NOT_INITIALISED_AT_SITE)
    return `\`${name}\` is not initialised yet at this line (its \`let\`, \`const\`, \`class\` or import has not run)`;
  if (marker === GLOBAL_UNREAD)
    return `\`${name}\` is not a variable at this line (a minifier may have inlined or dropped it: the source map names only the variables the generated code keeps), and a page's global object is not read (docs/attach.md)`;
  if (marker === LEFT_BLOCK)
    return `\`${name}\` is not available on this \`return\`: V8 stops there after leaving the block that declares it; put the action on the line before the \`return\`, or prepare the file (a prepared site sees it)`;
  return undefined;
}
