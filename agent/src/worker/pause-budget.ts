/**
 * How many caught errors a second the exception watch may pause the app for. Every thrown error
 * the app catches costs a pause (about a millisecond, docs/BENCHMARKS.md) while the watch looks
 * at caught errors; an app that throws and catches in a loop would pay it on every iteration. Over
 * the budget, the watch goes back to uncaught errors only for a cooldown, then tries again.
 */

export const CAUGHT_PAUSES_PER_SECOND = 20;
/**
 * The budget of caught errors thrown where no app file is: in a dependency or in Node's own
 * code, which may throw and catch errors of their own on every call (a renderer probing with
 * try/catch). Kept apart, they do not use up the app's budget: an app's error after them is
 * still watched. Still bounded: each costs the same pause.
 */
export const DEPENDENCY_CAUGHT_PAUSES_PER_SECOND = 100;
export const CAUGHT_COOLDOWN_MS = 60_000;

export class PauseBudget {
  private windowStart = 0;
  private count = 0;

  constructor(private readonly perSecond = CAUGHT_PAUSES_PER_SECOND) {}

  /** Counts one pause; false once the second's budget is spent. */
  take(now: number): boolean {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.count = 0;
    }
    return ++this.count <= this.perSecond;
  }

  reset(): void {
    this.windowStart = 0;
    this.count = 0;
  }
}
