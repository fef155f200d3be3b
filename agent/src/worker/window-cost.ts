/**
 * What a sampling breakpoint's windows really cost the app's main thread, and the pace that keeps
 * it within the breakpoint's share of the CPU budget (docs/actions.md "Sampling on breakpoints").
 * The hook sizes each cycle from what it can time: its own work and the gaps between hits. A
 * window costs the thread more than that (docs/BENCHMARKS.md, "what a window costs"): V8 setting
 * and removing the breakpoint, discarding the function's compiled code and running it unoptimised
 * while the breakpoint is in, and the breaks around the window's edges. So the worker reads the
 * main thread's CPU clock (main-thread-cpu.ts) from just before it sets the breakpoint to just
 * after V8 let go of it, and makes the pause after a window long enough for that cost, averaged
 * over recent windows, to fit the share.
 *
 * The window's CPU includes the app's own work in it. A thread that had idle time while the
 * breakpoint was out does its own work at the rate it did then, so that much is taken off; a
 * thread that was always busy (on a CPU or waiting for one) would have spent the whole window on
 * its own work, so none of the window is taken off there. Taking off that rate can take off too
 * much: the window's breaks can fill the thread's spare time and push its own work out of the
 * window (a service whose clients wait for its answers does not do that work later). So a window
 * is charged at least what the hook estimates its hits cost (hits × cost per hit, V8's part in).
 *
 * A window also costs after V8 let go of the breakpoint: the function runs unoptimised until V8
 * has compiled it again. So the clock is read once more when the window has settled (SETTLE_MS
 * after the removal), and what the thread spent then beyond its rate over the rest of the pause,
 * when it was back to its own work, is charged to the window too. A thread that was always busy
 * shows no such excess (its rate cannot rise): there the settling is not in the measure.
 */
import type { DutyCycle } from '../bridge.js';
import type { CpuClock, CpuReading } from './main-thread-cpu.js';

/** How much each new window moves the running cost: enough to follow a change within a few windows, not every outlier. */
const WEIGHT = 0.5;
/** A thread idle this share of the time or more while the breakpoint was out does all of its own work at that rate. */
const IDLE_FOR_DEMAND = 0.25;
/** However costly a window, the breakpoint comes back at least this often (the quota pause's longest wait). */
const LONGEST_PERIOD_MS = 60_000;
/** How long after the removal a window is charged for V8 compiling the function again (a compile takes ~5–20 ms: BENCHMARKS.md finding 6). */
export const SETTLE_MS = 100;
/** The rest of the pause must be at least this long to stand for the thread's own rate after settling. */
const LEAST_REFERENCE_MS = 50;

/** What the windows cost the main thread per second, as the status shows it. */
export interface SamplingCost {
  msPerSecond: number;
  /** True when read on the main thread's CPU clock; false for the hook's estimate (no clock: not Linux, or attached over CDP). */
  measured: boolean;
}

/** One sampling breakpoint's windows, measured on the main thread's CPU clock. */
export class WindowCost {
  private opened: CpuReading | undefined;
  /** The hits the open window lets through. */
  private allow = 0;
  private closedAt: CpuReading | undefined;
  /** The reading SETTLE_MS after the last removal, if taken before the next window opened. */
  private settledAt: CpuReading | undefined;
  /** The app's own CPU per ms of wall time while the breakpoint was last out, if the thread had idle time then. */
  private ownRate = 0;
  /** Main-thread CPU per window in ms, averaged over recent windows; undefined until one was measured. */
  private msPerWindow: number | undefined;
  /** Main-thread CPU per window while it settled, beyond the thread's own rate, averaged like msPerWindow; undefined until measured. */
  private msSettling: number | undefined;

  constructor(private readonly clock: CpuClock | undefined) {}

  /** The breakpoint is about to go back into V8 for a window of `allow` hits. */
  opening(allow: number): void {
    this.allow = allow;
    const now = this.clock?.();
    const closed = this.closedAt;
    const settled = this.settledAt;
    this.settledAt = undefined;
    // The thread's own rate is read on the pause after the window settled, where there is enough of it.
    const out = settled !== undefined && now !== undefined && now.wallMs - settled.wallMs >= LEAST_REFERENCE_MS ? settled : closed;
    if (now !== undefined && out === settled && closed !== undefined && settled !== undefined) {
      const rate = (now.cpuMs - settled.cpuMs) / (now.wallMs - settled.wallMs);
      const excess = Math.max(0, settled.cpuMs - closed.cpuMs - rate * (settled.wallMs - closed.wallMs));
      this.msSettling = this.msSettling === undefined ? excess : this.msSettling + WEIGHT * (excess - this.msSettling);
    }
    if (now !== undefined && out !== undefined && now.wallMs > out.wallMs) {
      const wall = now.wallMs - out.wallMs;
      const cpu = now.cpuMs - out.cpuMs;
      const idle = 1 - (cpu + now.waitMs - out.waitMs) / wall;
      this.ownRate = (cpu / wall) * Math.min(1, Math.max(0, idle) / IDLE_FOR_DEMAND);
    }
    this.opened = now;
  }

  /**
   * V8 let go of the breakpoint: the window, from its setting to its removal, is measured, and
   * charged at least its hits at the hook's `costPerHitUs` (duty-cycle.ts). Returns
   * what to call SETTLE_MS later, when V8 has had time to compile the function again; a call after
   * the next window opened is ignored.
   */
  closed(costPerHitUs: number): () => void {
    const start = this.opened;
    this.opened = undefined;
    const end = this.clock?.();
    this.closedAt = end;
    this.settledAt = undefined;
    const settle = () => {
      if (end !== undefined && this.closedAt === end && this.opened === undefined) this.settledAt = this.clock?.();
    };
    if (start === undefined || end === undefined) return settle;
    const ms = Math.max((this.allow * costPerHitUs) / 1000, end.cpuMs - start.cpuMs - this.ownRate * (end.wallMs - start.wallMs));
    this.msPerWindow = this.msPerWindow === undefined ? ms : this.msPerWindow + WEIGHT * (ms - this.msPerWindow);
    return settle;
  }

  /**
   * The hook's cycle, its pause made longer when the measured cost per window would take the
   * breakpoint over its share of the CPU budget; and what the windows cost a second at that pace.
   */
  pace(cycle: DutyCycle): { cycle: DutyCycle; cost: SamplingCost } {
    const perWindow = this.msPerWindow === undefined ? undefined : this.msPerWindow + (this.msSettling ?? 0);
    if (perWindow === undefined)
      return { cycle, cost: { msPerSecond: (cycle.allow * cycle.costPerHitUs) / cycle.periodMs, measured: false } };
    const needed = cycle.cpuMsPerSecond > 0 ? Math.min((perWindow * 1000) / cycle.cpuMsPerSecond, LONGEST_PERIOD_MS) : 0;
    const paced =
      needed <= cycle.periodMs
        ? cycle
        : {
            ...cycle,
            periodMs: needed,
            offMs: cycle.offMs + (needed - cycle.periodMs),
            perSecond: (cycle.allow * 1000) / needed,
            share: cycle.share === undefined ? undefined : (cycle.share * cycle.periodMs) / needed,
            bound: 'cpu' as const,
          };
    return { cycle: paced, cost: { msPerSecond: (perWindow * 1000) / paced.periodMs, measured: true } };
  }
}
