/**
 * Lowers the calling thread's scheduling priority (settings/worker-priority.ts). On Linux a nice
 * value belongs to a thread, and setpriority() given a thread's id changes that thread alone: the
 * app's threads keep theirs. Elsewhere a nice value is the whole process's, so nothing changes.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { errorMessage } from '@liveprobe/protocol/util';
import { MAX_NICE } from '../settings/worker-priority.js';

/** What happened, for the agent's debug log; never throws (a priority is not worth the agent). */
export function lowerThreadPriority(steps: number): string {
  if (steps === 0) return "the worker runs at the app threads' priority";
  if (process.platform !== 'linux') return `LIVEPROBE_WORKER_NICE applies on Linux only; the worker runs at the app's priority`;
  try {
    // /proc/thread-self links to /proc/<pid>/task/<this thread's id>.
    const tid = Number(/\/task\/(\d+)$/.exec(`/${readlinkSync('/proc/thread-self')}`)?.[1]);
    // The main thread's id is the process's: never renice it (only a worker calls this).
    if (!Number.isInteger(tid) || tid === process.pid) return "the worker thread's id is not readable; it runs at the app's priority";
    const nice = Math.min(MAX_NICE, getPriority(tid) + steps);
    setPriority(tid, nice);
    return `the worker thread runs at nice ${nice}`;
  } catch (err) {
    return `the worker thread's priority could not be lowered (${errorMessage(err)}); it runs at the app's`;
  }
}
