/**
 * What V8's breakpoint machinery adds to a duration timed on breakpoints, measured in this
 * process: the worker puts a tic and a toc on `calibrationTarget`, an agent function doing next
 * to nothing, exactly as it would on an app's function; the main thread calls it a number of
 * times, a few milliseconds apart as an app's calls come, and the shortest interval is V8's own
 * cost of one measurement (pausing at the exit, building the frame's scope for the condition,
 * resuming after the entry). It is taken off every breakpoint-timed interval, clamped at 0. The
 * shortest, not a typical one: V8's cost varies by a factor of 2–4 from one hit to the next, and
 * a typical cost taken off would report most short calls shorter than the app's time; with the
 * least, short calls come out centred on it and longer ones above (docs/BENCHMARKS.md). (Plain
 * timers only: this is bundled into remote targets too, where the target is never timed.)
 */

/** Between calls: back to back, the caches stay warm and V8's cost reads lower than an app's call sees it. */
const GAP_MS = 5;

/** The function the worker times. Its first statement is its entry, its `return` its exit. */
export function calibrationTarget(n: number): number {
  const next = n + 1;
  return next;
}

export interface CalibrationResult {
  /** The shortest measured interval, in milliseconds; undefined when no call was timed. */
  overheadMs: number | undefined;
  samples: number;
}

export class BreakCalibration {
  /** Seconds taken off each breakpoint-timed interval. */
  overheadSeconds = 0;
  private samples: number[] | undefined;

  /** A calibration toc's interval; false, so the hit records nothing. */
  add(seconds: number): false {
    this.samples?.push(seconds);
    return false;
  }

  /** Calls the target `runs` times, a few per turn of the event loop, while the worker's breakpoints are on it. */
  async run(runs: number): Promise<CalibrationResult> {
    const samples: number[] = [];
    this.samples = samples;
    try {
      for (let done = 0; done < runs; done++) {
        await new Promise((resolve) => setTimeout(resolve, GAP_MS, calibrationTarget(done)));
      }
    } finally {
      this.samples = undefined;
    }
    if (samples.length === 0) return { overheadMs: undefined, samples: 0 };
    this.overheadSeconds = Math.min(...samples);
    return { overheadMs: this.overheadSeconds * 1000, samples: samples.length };
  }
}
