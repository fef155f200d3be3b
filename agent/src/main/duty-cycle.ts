/**
 * How a breakpoint over its quota samples (docs/actions.md "Sampling on breakpoints"): from what
 * its last window measured (hits, their cost, their output), how many hits the next window lets
 * through and how long the breakpoint stays out of V8 after it, so that on average the line costs
 * no more than the agent's limits allow and its output is a steady trickle, not a burst after each
 * long pause. Pure arithmetic: the probe hook feeds it readings, the worker follows the result.
 */
import type { DutyCycle } from '../bridge.js';

/** What one window (the breakpoint in V8, from its opening to its last hit) measured. */
export interface WindowReading {
  /** Breakpoint hits in the window: each cost a breakpoint, whether or not its condition passed. */
  hits: number;
  /** Of those, the hits whose condition passed (captured, or over a limit and counted). */
  passed: number;
  /** From the window's opening to its last hit, in ms. */
  onMs: number;
  /** The hook's own measured time over the window's hits, in µs. */
  hookUs: number;
  /**
   * The median time between the hook finishing one hit and starting the next, in µs (NaN with
   * one hit): V8's part of a hit (leaving one break, stopping at the next) plus the app's own
   * work, or idle time, between.
   */
  medianGapUs: number;
  /** Output bytes of the window's captured hits. */
  bytes: number;
  /**
   * Breakpoint hits after the window before it (once spent, before V8 let go of the breakpoint,
   * and after it was set again, before the window opened): each cost a break, none was captured.
   */
  closedHits: number;
}

/** The limits one action's breakpoint answers to; 0 turns a limit off. */
export interface CycleLimits {
  /** Breakpoint hits per second: the action's ratePerSecond within the agent's hit quota. */
  hitsPerSecond: number;
  /** This action's share of the agent's CPU budget, ms of probe time per second. */
  cpuMsPerSecond: number;
  /** Output bytes per second. */
  bytesPerSecond: number;
  /** V8's part of a hit as configured (LIVEPROBE_BREAKPOINT_COST_US): the least a hit is charged for it. */
  breakpointCostUs: number;
}

/**
 * A window lets through a second's worth of the pace. Each window costs the app beyond its hits:
 * V8 setting and removing the breakpoint, and compiling the function again afterwards, on the main
 * thread and a compiler thread. So at the same hits a second, fewer and larger windows cost less
 * (BENCHMARKS.md finding 6: windows every 250 ms cost a hot request path about twice what windows
 * every second do); a window's hits are still within a second's share of the limits.
 */
export const PERIOD_MS = 1000;
/**
 * V8's part of a hit is charged the window's median gap between hits when that is more than the
 * configured cost (a loaded machine, a large frame), up to this many times the configured cost:
 * on a line hit now and then the gap is mostly the app's own time, not the breakpoint's.
 */
export const MAX_BREAKPOINT_COST_FACTOR = 4;

/** The next window and the pause after it; undefined when no limit is on (the breakpoint can stay). */
export function dutyCycle(reading: WindowReading, limits: CycleLimits): Omit<DutyCycle, 'cpuBound'> | undefined {
  const { hits, passed, onMs, hookUs, medianGapUs, bytes, closedHits } = reading;
  // Hits per second while on; unknown from a single hit. Each of these hits paid for the
  // breakpoint (a hot line runs faster while it is off), and a burst may fill a window whole
  // (a bursty line runs slower on average): the estimates made from it lean both ways.
  const onRate = hits > 1 && onMs > 0 ? (hits * 1000) / onMs : undefined;
  const { breakpointCostUs } = limits;
  const v8Us = Number.isNaN(medianGapUs)
    ? breakpointCostUs
    : Math.min(Math.max(medianGapUs, breakpointCostUs), breakpointCostUs * MAX_BREAKPOINT_COST_FACTOR);
  // To the hundredth of a µs: clock readings' float noise must not change a window's size.
  const costPerHitUs = hits > 0 ? Math.round((hookUs / hits + v8Us) * 100) / 100 : 0;
  const bounds: [DutyCycle['bound'], number][] = [];
  if (limits.hitsPerSecond > 0) bounds.push(['rate', limits.hitsPerSecond]);
  // The budget pays for every break, the hits around a window's edges too: of the breakpoint
  // hits it affords, only the window's share are captured.
  if (limits.cpuMsPerSecond > 0 && costPerHitUs > 0)
    bounds.push(['cpu', ((limits.cpuMsPerSecond * 1000) / costPerHitUs) * (hits / (hits + closedHits))]);
  if (limits.bytesPerSecond > 0 && bytes > 0) bounds.push(['bytes', (limits.bytesPerSecond * hits) / bytes]);
  if (bounds.length === 0) return undefined;
  const [bound, perSecond] = bounds.reduce((least, next) => (next[1] < least[1] ? next : least));
  const allow = Math.max(1, Math.floor((perSecond * PERIOD_MS) / 1000));
  const periodMs = (allow * 1000) / perSecond;
  // Unknown rate: the window is taken as instant, so the pause is the whole period (the safe side).
  const expectedOnMs = onRate === undefined ? 0 : Math.min(periodMs, (allow * 1000) / onRate);
  return {
    allow,
    onMs: expectedOnMs,
    periodMs,
    offMs: periodMs - expectedOnMs,
    share: onRate === undefined ? undefined : Math.min(1, perSecond / onRate),
    passedPerSecond: onRate === undefined ? 0 : (onRate * passed) / hits,
    bound,
    perSecond,
    costPerHitUs,
    cpuMsPerSecond: Math.max(0, limits.cpuMsPerSecond),
  };
}
