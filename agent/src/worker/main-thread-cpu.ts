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

/** One reading, in ms: the thread's time on a CPU and waiting for one so far, and the wall clock. */
export interface CpuReading {
  cpuMs: number;
  waitMs: number;
  wallMs: number;
}

/** Reads the main thread's clock; undefined when it could not be read this time. */
export type CpuClock = () => CpuReading | undefined;

/** The clock of this process's main thread, or undefined where the system has none. */
export function mainThreadCpu(pid = process.pid): CpuClock | undefined {
  const path = `/proc/self/task/${pid}/schedstat`;
  const read: CpuClock = () => {
    try {
      // "<ns on the CPU> <ns waiting to run> <time slices>"
      const [cpu, wait] = readFileSync(path, 'latin1').split(' ', 2).map(Number);
      const wallMs = performance.now();
      return Number.isFinite(cpu) && Number.isFinite(wait) ? { cpuMs: cpu! / 1e6, waitMs: wait! / 1e6, wallMs } : undefined;
    } catch {
      return undefined;
    }
  };
  return read() === undefined ? undefined : read;
}
