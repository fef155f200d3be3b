/**
 * Footprint guards evaluated on the main thread at every hit (docs/architecture.md §4): a per-action
 * rate of hits and of output bytes, and a per-agent budget of time spent in probes. Over any
 * of them the action is paused: its breakpoints leave V8, so it costs nothing until it resumes.
 */
import type { QuotaSettings } from '../settings/quota-settings.js';

/** A token bucket: `rate` per second, bursts up to one second's worth. */
export class RateLimit {
  private tokens: number;
  private last = 0;

  constructor(private readonly rate: number) {
    this.tokens = rate;
  }

  /** Takes `amount`; false when the bucket cannot cover it. Always true when the limit is off. */
  take(amount: number, now: number): boolean {
    if (this.rate <= 0) return true;
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    if (this.tokens < amount) return false;
    this.tokens -= amount;
    return true;
  }

  refill(): void {
    this.tokens = this.rate;
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
}
