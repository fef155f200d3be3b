// Memory of any process, for the memory benchmarks.
import { readFile } from 'node:fs/promises';

/** Resident set size of any process, from /proc (Linux); undefined elsewhere. */
export async function rssOf(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}
