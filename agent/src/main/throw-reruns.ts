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
 * Runs of another statement whose callee is no function at the breakpoint's own position pair the
 * same way (raise-reruns.ts).
 *
 * A run left open (the operand's own callee threw, so V8 checked that callee's statement instead)
 * makes the line's next hit look like the throw's: its true pauses the exception watch's session,
 * which says so (`paused`) before going on, and the pair is set right: that run was a hit, and the
 * throw's run follows. That is `pairs`.
 *
 * A V8 that makes no such run (Node 23's and later) mutes the exception pause at a statement whose
 * conditions were all false instead, without asking them again: there (`pause`) every run is a hit
 * whose true pauses the app at the statement's start (the exception watch resumes it), so V8 does
 * not mute the throw's pause. Otherwise (`each`: no watch, or uncaught errors only) every run is a
 * hit and nothing more.
 *
 * While the watch pauses at uncaught errors only (over its budget of caught ones), a V8 that makes
 * those runs makes them at uncaught throws only, which nothing in the condition foresees: a pair
 * cannot be told from two hits of a loop whose throws are caught. There (`confirm`) every run
 * answers true and is held: a hit pauses the app at the statement's start (the watch says so,
 * `paused`, and the held runs are hits then), while V8's run at an uncaught throw leads to the
 * exception's pause instead (`atThrow`: they are dropped), which their true keeps unmuted.
 * Before, each such run was a hit: a log printed its line twice, and their false muted the pause.
 * `pause` serves a V8 that makes no runs in that state too: there every run's true keeps V8 from
 * muting the exception pause of a statement whose conditions were false.
 */
import type { ThrowRuns } from '../bridge.js';

/**
 * What a run of a throw statement's breakpoint is: a hit (false keeps the breakpoint from
 * pausing); V8's run at the throw (no hit; true keeps the pause unmuted); or V8's run at the throw
 * of a run whose hit was missed, having paused the app instead, or a hit that must pause (both).
 */
export type ThrowRun = 'hit' | 'at-throw' | 'hit-at-throw' | 'held';

/** A run held until the pause that tells whether it was a hit (`confirm`). */
export interface HeldRun {
  key: number;
  values: unknown[];
  self: unknown;
}

/** Runs held at once, at most: one a breakpoint of the statement, each a pause apart. */
const HELD_RUNS = 64;

export class ThrowReruns {
  private runs: ThrowRuns = 'each';
  /** Keys whose statement began and has not thrown yet. */
  private readonly open = new Set<number>();
  /** The key of the last run taken for the throw's, until another run: if it paused the app, it was a hit. */
  private taken: number | undefined;
  /** The key whose run at the throw is owed the hit its statement's start missed. */
  private owed: number | undefined;
  /** `confirm`: the runs since the last pause, waiting for the pause that tells what they were. */
  private readonly held: HeldRun[] = [];

  /** The exception watch says how the runs go now (bridge.ts ThrowRuns). */
  set(runs: ThrowRuns): void {
    this.runs = runs;
    this.open.clear();
    this.taken = undefined;
    this.owed = undefined;
    this.held.length = 0;
  }

  run(key: number): ThrowRun {
    if (this.runs === 'each') return 'hit';
    if (this.runs === 'confirm') return 'held';
    if (this.runs === 'pause') return 'hit-at-throw';
    if (this.open.delete(key)) {
      if (this.owed === key) {
        this.owed = undefined;
        return 'hit-at-throw';
      }
      this.taken = key;
      return 'at-throw';
    }
    this.open.add(key);
    this.taken = undefined;
    return 'hit';
  }

  /**
   * A run of `key` at a throw elsewhere in its statement (raise-reruns.ts tells by the frame): the
   * statement's run is over; V8's run at that throw, owed the hit its start missed, if it was.
   */
  thrownElsewhere(key: number): ThrowRun {
    this.open.delete(key);
    if (this.owed !== key) return 'at-throw';
    this.owed = undefined;
    return 'hit-at-throw';
  }

  /** A run `run` answered `held` for: its hit waits for the pause that follows. */
  hold(run: HeldRun): void {
    if (this.held.length < HELD_RUNS) this.held.push(run);
  }

  /**
   * The exception watch paused at no error and no handler of its own: the run just taken for the
   * throw's was the statement's start; the runs held were hits, returned to be made.
   */
  paused(): HeldRun[] {
    if (this.held.length > 0) return this.held.splice(0);
    if (this.taken === undefined) return [];
    this.open.add(this.taken);
    this.owed = this.taken;
    this.taken = undefined;
    return [];
  }

  /**
   * The exception watch paused at a thrown error: the runs held were V8's at that throw, no hits,
   * and so was the run taken for the throw's. Kept, it made the next pause at no error (one before
   * a new script, while an action waits for its file) read as that run's hit: the line's next hit
   * was taken for two, and its throw's run for a hit whose false muted the exception's pause.
   */
  atThrow(): void {
    this.held.length = 0;
    this.taken = undefined;
  }
}
