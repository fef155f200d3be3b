/**
 * Memory shared with the worker for log hits' numbers (hit-batch.ts). A batch writes into a
 * free segment and hands the worker a view of it; the worker marks the segment free once it has
 * read the batch. No buffer is allocated, zeroed or detached per batch: handing one over cost
 * the app's thread more than formatting the lines it carried. When the worker holds every
 * segment (it fell behind), the batch takes a buffer of its own, as before, and nothing is lost.
 */

// Captured before the app runs, which may replace these globals.
const F64 = Float64Array;
const I32 = Int32Array;
// Absent in a browser page that is not cross-origin isolated (the hook injected by `liveprobe
// attach`): every batch then takes a buffer of its own.
const Shared = typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : undefined;
const { load, store } = Atomics;

/** Batches the worker may hold at once before a batch takes its own buffer. */
const SEGMENTS = 4;

export interface Segment {
  /** Where the batch writes its numbers. */
  numbers: Float64Array;
  /** The segment's flag (1: in use), which the worker clears (`Atomics.store(release, 0, 0)`) once it has read the batch. */
  release: Int32Array;
}

export class LogSegments {
  private readonly segments: Segment[] = [];
  private next = 0;

  /** `size`: numbers a segment holds. Memory is taken at the first log hit, not when the agent starts. */
  constructor(private readonly size: number) {}

  /** A free segment, marked in use; undefined when the worker holds them all. */
  take(): Segment | undefined {
    if (Shared === undefined) return undefined;
    if (this.segments.length === 0) this.allocate(Shared);
    for (let tried = 0; tried < SEGMENTS; tried++) {
      const segment = this.segments[this.next]!;
      this.next = (this.next + 1) % SEGMENTS;
      if (load(segment.release, 0) !== 0) continue;
      store(segment.release, 0, 1);
      return segment;
    }
    return undefined;
  }

  /** A segment taken but not sent (its batch outgrew it): free again. */
  giveBack(segment: Segment): void {
    store(segment.release, 0, 0);
  }

  private allocate(shared: SharedArrayBufferConstructor): void {
    const numbers = new F64(new shared(SEGMENTS * this.size * 8));
    const flags = new I32(new shared(SEGMENTS * 4));
    for (let s = 0; s < SEGMENTS; s++)
      this.segments.push({ numbers: numbers.subarray(s * this.size, (s + 1) * this.size), release: flags.subarray(s, s + 1) });
  }
}
