/**
 * Hex ids unique within a process and, with overwhelming likelihood, across processes: an agent's
 * id suffix and snapshot ids. Uniqueness is all they need, so they are not drawn from node:crypto:
 * loading crypto makes Node initialise OpenSSL, which added ~4 MiB to an idle app's RSS on Node 24
 * (docs/BENCHMARKS.md, agent memory), and a crypto loaded after the app's code would be the app's
 * module, whose `randomBytes` a test double may have replaced. A process's part is the start-up
 * clock's nanoseconds and the pid, mixed; then a counter.
 */
import { hrtime, pid } from 'node:process';

const MASK_64 = (1n << 64n) - 1n;

/** splitmix64's finaliser: nearby inputs (two processes started the same microsecond) end far apart. */
function mix64(value: bigint): bigint {
  let z = value & MASK_64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
  return z ^ (z >> 31n);
}

const processPart = mix64(hrtime.bigint() ^ (BigInt(pid) << 40n))
  .toString(16)
  .padStart(16, '0');
let counter = 0;

/** This process's part of every id, `digits` hex digits long (at most 16). */
export function processHex(digits: number): string {
  return processPart.slice(0, digits);
}

/** 16 hex digits: 8 of this process, then a counter of the ids it made. */
export function uniqueHex(): string {
  counter = (counter + 1) >>> 0;
  return processPart.slice(0, 8) + counter.toString(16).padStart(8, '0');
}
