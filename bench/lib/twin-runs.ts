/**
 * What a piece of work adds, measured on twins: two processes of the same app run at the same
 * time, one doing the work and the other not, and swap roles from one segment to the next. Run
 * side by side, both meet the same load from the rest of the machine (which, measured one after
 * the other, moved a small difference more than the difference itself); swapped, what one process
 * costs more than its twin for its own reasons (memory layout, what the JIT chose) cancels out.
 */
import { mean } from './stats.js';

/** One segment: which twin did the work, and the cost each twin measured over it. */
export interface TwinSegment {
  /** The twin (0 or 1) that did the work in this segment; the other ran without it. */
  worker: 0 | 1;
  /** What the twin doing the work measured (e.g. CPU ns per request). */
  withWork: number;
  /** What its twin measured over the same segment without the work. */
  without: number;
}

/**
 * The schedule of roles, Thue–Morse's sequence (0 1 1 0 1 0 0 1 …): twin 0 works when the number
 * of 1 bits in `segment` is even. Over every 4 segments each twin works twice, and a cost one
 * twin gains at a steady pace through the run (its heap growing, its code tiering up) weighs the
 * same on both roles and cancels, where strict turns (0 1 0 1) leave a part of it in the figure.
 */
export function workerOf(segment: number): 0 | 1 {
  let ones = 0;
  for (let rest = segment; rest > 0; rest >>>= 1) ones += rest & 1;
  return ones % 2 === 0 ? 0 : 1;
}

/**
 * The order in which `count` variants are started in segment `segment`: rotated by one each
 * segment, so that none is always the first (or the last) to get its load when all are driven at
 * once from one process that cannot always keep every rate.
 */
export function launchOrder(count: number, segment: number): number[] {
  return Array.from({ length: count }, (_, k) => (k + segment) % count);
}

/**
 * The work's cost: the mean difference when twin 0 worked and the mean difference when twin 1
 * worked, averaged with equal weight, so a bias of one twin over the other cancels whatever the
 * number of segments each role had. Both roles must have at least one segment.
 */
export function twinDifference(segments: readonly TwinSegment[]): number {
  const byWorker = ([0, 1] as const).map((twin) => segments.filter((s) => s.worker === twin).map((s) => s.withWork - s.without));
  const [first, second] = byWorker;
  if (first!.length === 0 || second!.length === 0)
    throw new Error(
      `twinDifference needs segments in which each twin did the work (got ${first!.length} for twin 0, ${second!.length} for twin 1): run an even number of segments`,
    );
  return (mean(first!) + mean(second!)) / 2;
}
