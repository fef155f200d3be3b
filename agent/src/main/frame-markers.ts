/**
 * What a probe puts in place of a variable's value when it did not read it: V8 did not keep
 * the variable, or reading it would have run a getter of the global object.
 */

/** Marks a variable V8 did not keep in the paused frame's scope. */
export const NOT_AVAILABLE: unique symbol = Symbol('liveprobe.not-available');

/** Stands for a global variable that is a getter the agent did not run; evaluating it fails with that reason. */
export const GLOBAL_GETTER: unique symbol = Symbol('liveprobe.global-getter');

/** Marks a `let`/`const`/`class` declared after the line: in its temporal dead zone there. */
export const NOT_INITIALISED: unique symbol = Symbol('liveprobe.not-initialised');
