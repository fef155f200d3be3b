/**
 * The worker's heap released once it is quiet after a burst of hits, as heap-release.ts does
 * after a burst of installs. The first hits of actions load the OpenTelemetry SDK's logs part and
 * leave the garbage of every batch and of the inspector's notifications (one per condition V8
 * evaluates) on pages that also hold live objects, and they grow the young generation to its
 * cap (4 MiB resident); V8 shrinks it back only in a collection that finds the thread allocating
 * little, which the install burst's release, run while the hits' records are still being
 * exported, does not. So the release comes again once the main thread has sent nothing for 5 s
 * and no other release ran in that time. With 100 actions installed and hit it took ~3 MiB off
 * the process's RSS (docs/BENCHMARKS.md, "Agent memory, part by part").
 *
 * A release is a full collection of the worker's heap (only where the process has `gc`), so it
 * runs once per quiet period, and only when the heap is larger than after the last release or
 * the young generation larger than its start size: a service whose hits pause every few seconds
 * pays for it only when its hits grew the heap.
 *
 * On Node 20 (V8 11, whose `gc()` has no last-resort flavor) a collection shrinks the young
 * generation only when the thread allocated little over V8's last 5 s; the worker's own work after
 * the main thread's last message (exporting the burst's records) still counts there, so the
 * young generation sometimes stayed at its cap after the release (4 MiB resident 20 s after 100
 * actions were hit, docs/BENCHMARKS.md). A release that leaves it above its start size is
 * followed, after another quiet period (by then the thread has been quiet for V8's window too),
 * by a collection of the young generation alone, at most RETRIES times: a full one would also
 * put off V8's memory reducer, which compacts the old generation 8 s after the last full one.
 */
import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { lastRelease, releaseHeap, releaseYoung } from './heap-release.js';

/** How long the main thread sends nothing before the burst counts as over (as an install burst, analysis-cache.ts). */
const QUIET_MS = 5000;
/** Growth of the worker's resident heap since the last release that is worth a collection. */
const GROWN_BY = 1024 * 1024;
/** The young generation's size at start (V8 grows it up to the worker's cap while many objects survive). */
const YOUNG_AT_START = 1024 * 1024;
/** Young-generation collections tried after a release that left it grown (never on V8 12 and later, whose release shrinks it). */
const RETRIES = 2;

export interface WorkerHeap {
  /** Milliseconds since the last release (Infinity before any). */
  sinceRelease(): number;
  /** Whether the heap grew since the last release (or its young generation since start). */
  grown(): boolean;
  /** Whether the young generation is above its start size. */
  youngGrown(): boolean;
  release(): void;
  /** Collects the young generation alone. */
  releaseYoung(): void;
}

const WORKER_HEAP: WorkerHeap = {
  sinceRelease: () => performance.now() - lastRelease().at,
  grown: () => youngGrown() || getHeapStatistics().total_physical_size - lastRelease().size >= GROWN_BY,
  youngGrown,
  release: releaseHeap,
  releaseYoung,
};

function youngGrown(): boolean {
  const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0;
  return young > YOUNG_AT_START;
}

export class QuietHeapRelease {
  private timer: NodeJS.Timeout | undefined;
  /** Young-generation collections left to try in this quiet period; undefined until its release ran. */
  private retries: number | undefined;

  constructor(private readonly heap: WorkerHeap = WORKER_HEAP) {}

  /** A message from the main thread: the quiet period starts again. */
  activity(): void {
    this.retries = undefined;
    this.arm(QUIET_MS);
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.quiet(), ms);
    this.timer.unref();
  }

  private quiet(): void {
    this.timer = undefined;
    if (this.retries !== undefined) {
      this.heap.releaseYoung();
      this.tryAgain(this.retries);
      return;
    }
    // Another release ran meanwhile (an install burst's): quiet means 5 s after it too.
    const since = this.heap.sinceRelease();
    if (since < QUIET_MS) this.arm(QUIET_MS - since);
    else if (this.heap.grown()) {
      this.heap.release();
      this.tryAgain(RETRIES);
    }
  }

  /** After a collection: one of the young generation QUIET_MS later, while it is still grown and `left` allows. */
  private tryAgain(left: number): void {
    if (left > 0 && this.heap.youngGrown()) {
      this.retries = left - 1;
      this.arm(QUIET_MS);
    } else this.retries = undefined;
  }
}
