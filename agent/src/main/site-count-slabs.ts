/**
 * Where prepared files' site counts live (PreparedFile.K, COUNT_IN_PLACE): views on a few large
 * shared buffers rather than a buffer per file. A buffer of its own per file costs its bytes at
 * once (4 a site: a 10,000-site file, 40 KB of RSS) and an allocation as the file binds; a large
 * buffer is mapped lazily, zero pages no thread has written cost nothing, so the counts cost
 * memory only where a counter ran.
 */

// Captured before the app runs, which may replace these globals.
const I32 = Int32Array;
const Shared = SharedArrayBuffer;

/** Sites a slab holds: 4 MiB, far above the size from which the allocator maps pages lazily. */
const SLAB_SITES = 1 << 20;

let slab: SharedArrayBuffer | undefined;
let used = 0;

/** A zeroed count for each of `sites` sites, in memory shared with the worker. */
export function siteCounts(sites: number): Int32Array {
  if (sites > SLAB_SITES) return new I32(new Shared(sites * 4));
  if (slab === undefined || used + sites > SLAB_SITES) {
    slab = new Shared(SLAB_SITES * 4);
    used = 0;
  }
  const view = new I32(slab, used * 4, sites);
  used += sites;
  return view;
}
