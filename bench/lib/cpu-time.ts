// CPU time a process has spent, from the kernel's per-thread counters: unlike requests per second
// or wall time, it does not move with whatever else the machine runs.
import { readdirSync, readFileSync } from 'node:fs';

/** CPU time of every thread of process `pid` so far, in ns (Linux /proc/<pid>/task/<tid>/schedstat). */
export function processCpuNs(pid: number): number {
  const tasks = `/proc/${pid}/task`;
  let total = 0;
  for (const task of readdirSync(tasks)) {
    try {
      total += Number(readFileSync(`${tasks}/${task}/schedstat`, 'latin1').split(' ')[0]);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return total;
}
