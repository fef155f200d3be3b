/**
 * A compacting garbage collection of the worker's own heap once a burst of installs has settled.
 * Placing actions leaves megabytes of garbage in the worker's old generation (the parsed and
 * scope-analysed scripts, the inspector's replies, the desired state as parsed), spread over
 * pages that also hold live objects: 100 actions kept the old generation at ~16 MiB of RSS for
 * ~10 MiB live until V8's memory reducer compacted it, at a time of its own (not yet 45 s later in
 * one app of three). A full GC alone frees the objects but not those pages; a compacting one
 * moves the live objects together and returns the rest. The same collection drops the bytecode
 * and baseline code of every function not running at that moment (V8 compiles a function again
 * when it next runs): what the installs ran once (parsing, scope analysis, planning) and the
 * worker's idle code, ~3 MiB of its heap and ~0.7 MiB of code pages with 100 actions installed
 * and hit (docs/architecture.md §8). It runs on the worker's thread and heap: the app's thread is
 * not paused by it.
 */
import { performance } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (options?: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

let collect: Gc | null | undefined;

/** When the last release ran (performance.now(); −Infinity before any) and the worker's resident heap just after it, in bytes. */
export interface LastRelease {
  at: number;
  size: number;
}

const last: LastRelease = { at: Number.NEGATIVE_INFINITY, size: 0 };

export function lastRelease(): Readonly<LastRelease> {
  return last;
}
const LAST_RESORT = Number(process.versions.v8.split('.')[0]) >= 12;

/**
 * V8's `gc()`: the process's own when it runs with --expose-gc, otherwise one made for the agent;
 * null where neither is possible (then the memory reducer frees the pages later, as before).
 */
function gcFunction(): Gc | null {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return exposed as Gc;
  try {
    // The flag only decides whether a new context gets `gc`: on for this one context, off at
    // once, so no context the app makes later sees it.
    setFlagsFromString('--expose-gc');
    try {
      const made: unknown = runInNewContext('gc');
      return typeof made === 'function' ? (made as Gc) : null;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  } catch {
    return null;
  }
}

export function releaseHeap(): void {
  if (collect === undefined) collect = gcFunction();
  if (collect === null) return;
  // V8's flags are the process's: while these are on (the one collection, milliseconds), a full
  // GC the app's thread happens to start compacts too and drops the bytecode of the app's
  // functions not running then, which V8 compiles again as they run: a one-off cost, as after
  // any GC old enough code is dropped. Both flags are off by default (Node 20 and 22).
  setFlagsFromString('--compact-on-every-full-gc');
  setFlagsFromString('--stress-flush-code');
  setFlagsFromString('--flush-baseline-code');
  try {
    // V8 12 and later (Node 22, 24): the last-resort collection also shrinks the young generation
    // back, as the memory reducer does. V8 11 (Node 20) has no such flavor.
    if (LAST_RESORT) collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    else collect();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
    setFlagsFromString('--no-stress-flush-code');
    setFlagsFromString('--no-flush-baseline-code');
  }
  last.at = performance.now();
  last.size = getHeapStatistics().total_physical_size;
}
