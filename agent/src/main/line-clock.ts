/**
 * The clock a log line on a prepared site is stamped with. Reading performance.now() costs more
 * than the rest of such a hit's bookkeeping, so a hot loop of log hits reads it only every
 * READ_EVERY_LINES-th line and stamps the lines between with the last reading. The reading is
 * shared only within one synchronous run (up to the next microtask checkpoint, scheduled when
 * sharing starts): a line's time is never later than its hit, never earlier than the previous
 * line's, and never older than the reading taken at one of the READ_EVERY_LINES − 1 line hits
 * before it in the same run. Durations (tic/toc, duration) never come from here.
 */

import { monotonicNow, TIME_ORIGIN } from './builtins.js';

/** In a hot loop, at most this many lines in a row carry one reading (the one taken at the first). */
export const READ_EVERY_LINES = 16;
/**
 * Sharing starts only after this many lines in a row each came within DENSE_MS of the one before:
 * ending a run costs a microtask (about 3,000 instructions, ~1 µs), paid back only over many
 * lines. Where lines come that close but one per run (a log on every request of a service at
 * over 1,000 requests per second), that is one microtask per DENSE_LINES + 1 lines, under 0.5%
 * of what exporting each of those lines costs; fewer lines read the clock every time and
 * schedule nothing. (1 ms rather than less: under valgrind, ~50× slower, the loops that measure
 * the hit path still share.)
 */
const DENSE_LINES = 16;
const DENSE_MS = 1;

// Captured: the app may replace the clock (fake timers) or Promise's methods.
const then = Promise.prototype.then;
const settled = Promise.resolve();
const apply = Reflect.apply;

export class LineClock {
  /** The last reading (performance.now()): what `now` or `exact` returned. */
  reading = Number.NEGATIVE_INFINITY;
  /** The same reading on the wall clock (TIME_ORIGIN + reading), added once a reading rather than once a line. */
  time = Number.NEGATIVE_INFINITY;
  /** Lines stamped with `reading` since it was taken, while sharing. */
  private shared = 0;
  /** Lines in a row that came close together, before sharing starts. */
  private dense = 0;
  /** Whether lines share readings: true from a scheduled checkpoint until it runs. */
  private sharing = false;

  /** The time (performance.now()) to stamp a log line with. */
  now(): number {
    // `=== true`: a field V8 does not know to be a boolean costs a test per falsy value when set (probe-hook.ts).
    if (this.sharing === true && ++this.shared < READ_EVERY_LINES) return this.reading;
    const reading = monotonicNow();
    if (!this.sharing) this.watch(reading);
    this.shared = 0;
    this.reading = reading;
    this.time = TIME_ORIGIN + reading;
    return reading;
  }

  /** An exact reading, for a hit that needs one (a duration, a snapshot): lines after it share it, never an older one. */
  exact(): number {
    const reading = monotonicNow();
    this.shared = 0;
    this.reading = reading;
    this.time = TIME_ORIGIN + reading;
    return reading;
  }

  private watch(reading: number): void {
    if (reading - this.reading >= DENSE_MS) {
      this.dense = 0;
      return;
    }
    if (++this.dense < DENSE_LINES) return;
    this.sharing = true;
    apply(then, settled, [this.runEnded]);
  }

  /** The synchronous run ended: the next line reads the clock, and sharing waits for another dense stretch. */
  private readonly runEnded = (): void => {
    this.sharing = false;
    this.dense = 0;
  };
}
