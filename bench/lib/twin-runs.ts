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

/** The schedule of roles: twin 0 works in even segments, twin 1 in odd ones. */
export function workerOf(segment: number): 0 | 1 {
  return segment % 2 === 0 ? 0 : 1;
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
