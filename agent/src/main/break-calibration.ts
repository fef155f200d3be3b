/**
 * What V8's breakpoint machinery adds to a duration timed on breakpoints, measured in this
 * process: the worker puts a tic and a toc on a target function exactly as it would on an app's
 * function, and the main thread calls it a number of times, a few milliseconds apart as an
 * app's calls come; the shortest interval is V8's own cost of one measurement (pausing at the
 * exit, building the frame's scope for the condition, resuming after the entry). V8 re-reads the
 * function's source and scope at each break, so that cost grows with the function: for a
 * duration the target is a copy of the measured function whose statements are kept but never
 * run (worker/function-copy.ts), otherwise a copy of a small function of the agent's.
 *
 * The shortest, not a typical one: V8's cost varies by a factor of 2–4 from one hit to the next,
 * and a typical cost taken off would report most short calls shorter than the app's time; with
 * the least, short calls come out centred on it and longer ones above (docs/BENCHMARKS.md).
 * (Plain timers only: this is bundled into remote targets too.)
 */
import type { FunctionCopy } from '../bridge.js';
import { setTimer } from './builtins.js';

// Captured at start-up: the app may replace the globals.
const FunctionMaker = Function;
const AsyncFunctionMaker = Object.getPrototypeOf(async () => {}).constructor as FunctionConstructor;

/** Between calls: back to back, the caches stay warm and V8's cost reads lower than an app's call sees it. */
const GAP_MS = 5;

export interface CalibrationResult {
  /** The shortest measured interval, in milliseconds; undefined when no call was timed. */
  overheadMs: number | undefined;
}

export class BreakCalibration {
  private samples: number[] | undefined;

  /** A calibration toc's interval; false, so the hit records nothing. */
  add(seconds: number): false {
    this.samples?.push(seconds);
    return false;
  }

  /** Calls the target `runs` times, one per timer turn, while the worker's breakpoints are on it. */
  async run(runs: number, copy: FunctionCopy): Promise<CalibrationResult> {
    const target = compiledCopy(copy);
    if (target === undefined) return { overheadMs: undefined };
    const samples: number[] = [];
    this.samples = samples;
    try {
      for (let done = 0; done < runs; done++) {
        await new Promise((resolve) => setTimer(resolve, GAP_MS, target()));
      }
    } finally {
      this.samples = undefined;
    }
    return { overheadMs: samples.length === 0 ? undefined : Math.min(...samples) * 1000 };
  }
}

/**
 * The copy, called with its last parameter 1 (which keeps the statements from running);
 * undefined when it does not compile (a body using `super` or a class's private names, or code
 * generation from strings turned off).
 */
export function compiledCopy(copy: FunctionCopy): (() => unknown) | undefined {
  try {
    const Maker = copy.async ? AsyncFunctionMaker : FunctionMaker;
    const made = new Maker(...copy.params, copy.body) as (...args: unknown[]) => unknown;
    const args = new Array<unknown>(copy.params.length - 1).fill(undefined).concat(1);
    return () => made(...args);
  } catch {
    return undefined;
  }
}
