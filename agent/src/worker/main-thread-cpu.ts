/**
 * The app's main thread's CPU time, read by the agent's worker, so a sampling breakpoint's
 * windows are charged what they really cost that thread (docs/actions.md "Sampling on
 * breakpoints"): the breaks, the hook, V8 setting and removing the breakpoint, and the function
 * running unoptimised while the breakpoint is in, none of which the hook can time itself. Linux
 * keeps each thread's scheduler statistics in /proc/self/task/<tid>/schedstat, and the main
 * thread's task id is the process id. Elsewhere, or for a process the agent attached to over CDP,
 * there is no clock and the cycle keeps the hook's estimate.
 */
import { readFileSync } from 'node:fs';

/** The main thread's CPU time so far, in ms; undefined when it could not be read this time. */
export type CpuClock = () => number | undefined;

/** The clock of this process's main thread, or undefined where the system has none. */
export function mainThreadCpu(pid = process.pid): CpuClock | undefined {
  const path = `/proc/self/task/${pid}/schedstat`;
  const read: CpuClock = () => {
    try {
      // "<ns on the CPU> <ns waiting to run> <time slices>"
      const ns = Number(readFileSync(path, 'latin1').split(' ', 1)[0]);
      return Number.isFinite(ns) ? ns / 1e6 : undefined;
    } catch {
      return undefined;
    }
  };
  return read() === undefined ? undefined : read;
}
