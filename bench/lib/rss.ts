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

/**
 * A process's resident memory split by who pays for it, in bytes. RSS counts every resident
 * page, including the node binary's code and read-only data that every Node process on the box
 * shares through the page cache; USS (unique set size) counts only the pages no other process
 * maps — what ending the process would give back; PSS divides each shared page among the
 * processes that map it, so PSS summed over a box is the box's memory.
 */
export interface ResidentMemory {
  rss: number;
  pss: number;
  uss: number;
}

/** RSS, PSS and USS of any process, from /proc/<pid>/smaps_rollup (Linux 4.14+); undefined elsewhere or once it ended. */
export async function residentMemoryOf(pid: number): Promise<ResidentMemory | undefined> {
  let rollup: string;
  try {
    rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string) => {
    const value = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(rollup)?.[1];
    return value === undefined ? Number.NaN : Number(value) * 1024;
  };
  const memory = { rss: kb('Rss'), pss: kb('Pss'), uss: kb('Private_Clean') + kb('Private_Dirty') };
  return Object.values(memory).every(Number.isFinite) ? memory : undefined;
}
