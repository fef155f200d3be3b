/**
 * While a session pauses at thrown errors, caught ones included, V8 runs the conditions of the
 * breakpoints on a statement once more when that statement throws, to decide whether they mute
 * the pause (debug.cc `IsMutedAtCurrentLocation`: the pause is muted when every one is false).
 * An action's condition is where its hit runs, so that second run would be a second hit, and its
 * false would keep the exception action from the error. Nothing in the condition tells the two
 * runs apart (the frame, its position and V8's own state read the same), but on a `throw`
 * statement (locate/throw-statement.ts) they alternate: each run of it throws there before the
 * statement can run again. So on such a breakpoint every other run of a key is the throw's.
 *
 * Off when V8 makes no such run; then every run is a hit. A run left open (the operand's own
 * callee threw instead, so V8 checked another statement) makes the next hit count as the throw's:
 * its true then pauses the exception watch's session, which goes on at once, and the throw's run
 * after it counts as the hit.
 */
export class ThrowReruns {
  private on = false;
  /** Keys whose statement began and has not thrown yet. */
  private readonly open = new Set<number>();

  /** The exception watch says whether V8 makes the second runs now (it pauses at every thrown error). */
  set(on: boolean): void {
    this.on = on;
    this.open.clear();
  }

  /** True for V8's run at the throw of `key`'s statement: no hit, and true keeps the pause unmuted. */
  atThrow(key: number): boolean {
    if (this.on !== true) return false;
    if (this.open.delete(key)) return true;
    this.open.add(key);
    return false;
  }
}
