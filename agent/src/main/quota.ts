/**
 * Footprint guards evaluated on the main thread at every hit (docs/architecture.md §4): a per-action
 * rate of hits and of output bytes, and a per-agent budget of time spent in probes. Over any
 * of them an action on breakpoints is paused (its breakpoints leave V8, so it costs nothing until
 * it resumes); a log or snapshot on a prepared site stays on and samples: the hits over are counted.
 */
import type { QuotaSettings } from '../settings/quota-settings.js';

/** A token bucket: `rate` per second, bursts up to one second's worth (at least one, so 0.5 per second lets a hit through). */
export class RateLimit {
  private tokens: number;
  private last = 0;
  private readonly burst: number;

  constructor(private readonly rate: number) {
    this.burst = Math.max(rate, 1);
    this.tokens = this.burst;
  }

  /** Whether it limits anything: off (a rate of 0), `take` is always true. */
  get on(): boolean {
    return this.rate > 0;
  }

  /** Takes `amount`; false when the bucket cannot cover it. Always true when the limit is off. */
  take(amount: number, now: number): boolean {
    // Small, so V8 inlines it into a hit's path: the bucket's arithmetic, where the limit is on, is a call of its own.
    return this.rate <= 0 || this.takeFromBucket(amount, now);
  }

  private takeFromBucket(amount: number, now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    if (this.tokens < amount) return false;
    this.tokens -= amount;
    return true;
  }

  refill(): void {
    this.tokens = this.burst;
  }
}

/** Probe time per one-second window, across every action of the agent. */
export class CpuBudget {
  private windowStart = 0;
  private spentUs = 0;

  constructor(private readonly settings: QuotaSettings) {}

  /** Adds one hit's cost; false when the window's budget is now spent. */
  spend(costUs: number, now: number): boolean {
    if (this.settings.cpuMsPerSecond <= 0) return true;
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.spentUs = 0;
    }
    this.spentUs += costUs;
    return this.spentUs <= this.settings.cpuMsPerSecond * 1000;
  }

  /** Whether this window's budget is already spent; a new window has all of it. */
  spent(now: number): boolean {
    return this.settings.cpuMsPerSecond > 0 && now - this.windowStart < 1000 && this.spentUs > this.settings.cpuMsPerSecond * 1000;
  }
}
