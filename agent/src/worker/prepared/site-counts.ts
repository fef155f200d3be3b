/**
 * Counter hits that never leave the app's thread: a site whose actions are all plain counters
 * adds one to its count in the file's K, in memory shared with this thread (COUNT_IN_PLACE), and
 * the worker reads the counts on its own clock, handing each plain counter armed there the hits
 * since its own last reading. A count is written by the app's thread alone; it wraps at 2^32,
 * which a reading every READ_EVERY_MS never lets it pass twice.
 */

/**
 * Often enough that a counter's hit limit ends it soon after it is reached (the site counts on
 * until the flag goes off), and seldom enough to cost the worker nothing worth measuring.
 */
const READ_EVERY_MS = 100;

interface Watched {
  counts: Int32Array;
  /** One position's sites: one, or an arrow body's copies in a twinned function. */
  sites: readonly number[];
  /** Their counts' sum at the last reading. */
  last: number;
}

export class SiteCounts {
  private readonly watched = new Map<number, Watched>();
  private timer: NodeJS.Timeout | undefined;

  /** Where the hits read go: HitRelay.counted, once the relay exists. */
  counted: (key: number, hits: number) => void = () => {};

  /** The plain counter `key` was turned on at `sites`: its hits are those from now on. */
  watch(key: number, counts: Int32Array, sites: readonly number[]): void {
    this.watched.set(key, { counts, sites, last: sumOf(counts, sites) });
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.readAll(), READ_EVERY_MS);
    this.timer.unref();
  }

  /** Hands over the key's last hits and stops reading its site. */
  unwatch(key: number): void {
    this.read(key);
    this.watched.delete(key);
    if (this.watched.size > 0 || this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Hands over the key's hits since its last reading. */
  read(key: number): void {
    const watched = this.watched.get(key);
    if (watched === undefined) return;
    const now = sumOf(watched.counts, watched.sites);
    // Modulo 2^32: the count (and the sum) wraps from 2^31 - 1 to -2^31.
    const hits = (now - watched.last) >>> 0;
    watched.last = now;
    if (hits > 0) this.counted(key, hits);
  }

  /** Every key's hits since its last reading (also as the app exits). */
  readAll(): void {
    for (const key of this.watched.keys()) this.read(key);
  }
}

/** The sites' counts added, modulo 2^32 as each count is. */
function sumOf(counts: Int32Array, sites: readonly number[]): number {
  let sum = 0;
  for (const site of sites) sum = (sum + Atomics.load(counts, site)) | 0;
  return sum;
}
