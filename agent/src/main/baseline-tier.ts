/**
 * With the inspector session open from start-up (LIVEPROBE_INSPECTOR_SESSION=startup), V8's
 * baseline tier (Sparkplug) is turned off before the app's code loads. The first breakpoint in a
 * function that has baseline code makes V8 discard it with a walk over the whole heap
 * (Debug::DiscardBaselineCode), on the app's main thread: a pause at install that grows with the
 * heap, for every function an action first goes into, and the functions actions target are the
 * busy ones, which have that code. Without the tier a function runs in the interpreter until V8
 * optimizes it, which the mode's measured cost includes (docs/BENCHMARKS.md, install stall).
 */
import { setFlagsFromString } from 'node:v8';

/** V8 flags with which the app asked for the baseline tier itself (V8 reads `_` as `-`): then it stays. */
const KEEPS_BASELINE = new Set(['--sparkplug', '--always-sparkplug']);

/**
 * Turns the baseline tier off for the rest of the process (V8's flags are the process's), unless
 * the app's node command line turned it on explicitly; says whether it did.
 */
export function dropBaselineTier(execArgv: readonly string[]): boolean {
  if (execArgv.some((arg) => KEEPS_BASELINE.has(arg.replaceAll('_', '-')))) return false;
  setFlagsFromString('--no-sparkplug');
  return true;
}
