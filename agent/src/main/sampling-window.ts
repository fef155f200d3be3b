/**
 * One breakpoint's current window on the main thread: the hits it let through and what they cost,
 * read when it closes to size the next one (duty-cycle.ts). Before the first close the action's
 * hit quota decides when it closes; after, the worker opens each window with a number of hits.
 * Times are the main thread's performance.now(), in ms.
 */
import type { WindowReading } from './duty-cycle.js';

/** The most gaps between hits a window keeps for their median. */
const MAX_GAPS = 256;

export class SamplingWindow {
  hits = 0;
  passed = 0;
  bytes = 0;
  private hookUs = 0;
  private last = 0;
  /** When the hook last finished a hit: the next hit's gap from it is V8's part of a hit, plus the app's own work between. */
  private lastEnd: number | undefined;
  /** The gaps so far, in µs (the first MAX_GAPS of them): allocated once per window, not per hit. */
  private readonly gapsUs: Float64Array;
  private gaps = 0;

  /**
   * `allow`: hits before it closes (undefined: the hit quota decides). `opened`: when the
   * breakpoint came back; undefined for the first window, which opens at its first hit.
   */
  constructor(
    readonly allow: number | undefined,
    private opened: number | undefined,
    /** Breakpoint hits after the window before it spent its allowance (duty-cycle.ts `closedHits`). */
    private readonly closedHits = 0,
  ) {
    this.gapsUs = new Float64Array(Math.min(allow ?? MAX_GAPS, MAX_GAPS));
  }

  /** A breakpoint hit: the hook starts at `at`. */
  hit(at: number): void {
    this.opened ??= at;
    this.hits++;
    this.last = at;
    if (this.lastEnd !== undefined && this.gaps < this.gapsUs.length) this.gapsUs[this.gaps++] = (at - this.lastEnd) * 1000;
  }

  /** The hook finished the hit at `at`, after `hookUs` of its own work. */
  ended(at: number, hookUs: number): void {
    this.lastEnd = at;
    this.hookUs += hookUs;
  }

  /** Its allowance is used up: the window closes after this hit. */
  get spent(): boolean {
    return this.allow !== undefined && this.hits >= this.allow;
  }

  reading(): WindowReading {
    const { hits, passed, hookUs, bytes, closedHits } = this;
    const sorted = this.gapsUs.slice(0, this.gaps).sort();
    const medianGapUs = sorted.length === 0 ? Number.NaN : sorted[Math.floor(sorted.length / 2)]!;
    return { hits, passed, onMs: this.last - (this.opened ?? this.last), hookUs, medianGapUs, bytes, closedHits };
  }
}
