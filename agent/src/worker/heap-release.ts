/**
 * A garbage collection of the worker's own heap once a burst of installs has settled, when the
 * process runs with --expose-gc (the worker then has `gc` too). Placing actions leaves megabytes
 * of garbage in the worker's old generation (the parsed and scope-analysed scripts, the
 * inspector's replies, the desired state as parsed); without `gc`, V8's memory reducer frees it
 * at a time of its own (docs/architecture.md §8).
 *
 * The agent never changes V8's flags to get `gc` or to make the collection compact or drop code:
 * the flags are the process's, read by the app's thread and by V8's concurrent marking threads
 * while they run, and turning --compact-on-every-full-gc, --stress-flush-code and
 * --flush-baseline-code on and off from this thread crashed the app (SIGSEGV in the app
 * isolate's marking on Node 20; docs/decisions.md). It runs on the worker's thread and heap: the
 * app's thread is not paused by it.
 */
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

type Gc = (options?: { type: 'major'; execution: 'sync'; flavor: 'last-resort' } | { type: 'minor' }) => void;

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

/** V8's `gc()` where the process runs with --expose-gc; null otherwise. */
function exposedGc(): Gc | null {
  const exposed = (globalThis as { gc?: unknown }).gc;
  return typeof exposed === 'function' ? (exposed as Gc) : null;
}

export function releaseHeap(): void {
  const collect = exposedGc();
  if (collect === null) return;
  // V8 12 and later (Node 22, 24): the last-resort collection compacts the old generation and
  // shrinks the young one back, as the memory reducer does. V8 11 (Node 20) has no such flavor:
  // its `gc()` frees the garbage but leaves the pages it was on (after 100 installs, 11.2 MiB of
  // old generation resident for 7.5 used), and the compaction comes from the thread's own
  // inspector (below).
  if (LAST_RESORT) collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  else {
    collect();
    compactThroughOwnInspector();
  }
  last.at = performance.now();
  last.size = getHeapStatistics().total_physical_size;
}

/** A compaction through this thread's own inspector is under way (at most one at a time). */
let compacting = false;
/** This thread has no inspector to connect to (a Node built without it): no compaction is tried again. */
let noOwnInspector = false;

/**
 * V8 11's compacting collection: `HeapProfiler.collectGarbage` on a session with this thread's own
 * isolate runs V8's low-memory collection (the memory reducer's kind: it moves the live objects
 * off sparse pages and gives the pages back, and shrinks the young generation), on this thread
 * and this isolate only, without a V8 flag and without `gc`. V8 runs it as a task after the call
 * returns, so the session stays open until it answers. The app's isolate is not touched (the
 * worker's other session, with the app's thread, is another inspector).
 */
function compactThroughOwnInspector(): void {
  if (compacting || noOwnInspector) return;
  compacting = true;
  const session = new Session();
  try {
    session.connect();
  } catch {
    noOwnInspector = true;
    compacting = false;
    return;
  }
  session
    .post('HeapProfiler.collectGarbage')
    .then(() => {
      last.size = getHeapStatistics().total_physical_size;
    })
    // A release that does not run (the thread is ending) changes nothing the agent relies on.
    .catch(() => {})
    .finally(() => {
      session.disconnect();
      compacting = false;
    });
}

/**
 * A collection of the young generation alone (a scavenge), which gives it back as a full one does
 * once the thread has allocated little in V8's last seconds, in about a millisecond, and without
 * a full collection's restart of V8's memory reducer, which then waits 8 s more before it
 * compacts the old generation (quiet-heap-release.ts).
 */
export function releaseYoung(): void {
  exposedGc()?.({ type: 'minor' });
}
