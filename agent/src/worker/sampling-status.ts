/**
 * How a sampling breakpoint reads in its action's status: how long each window is on, how
 * often, the share of the line's hits that get through, and the limit that sets the pace, so an
 * operator sees why most hits of a busy line are not captured.
 */
import type { DutyCycle } from '../bridge.js';
import type { SamplingCost } from './window-cost.js';

/** A sampling status goes out when sampling starts, then at most this often, and only when it reads differently. */
export const SAMPLING_STATUS_MS = 5000;

/**
 * "sampling: on 40 ms every 1 s (200 hits), ~4% of hits, ~45 ms of the main thread's CPU a
 * second (measured), to stay within the agent's quota of 200 hits per second". The share is an
 * estimate: the line's rate is measured while the breakpoint is in, which slows a hot line and
 * catches bursts whole. The cost is what the windows took of the app's main thread, on its CPU
 * clock, or the hook's estimate where there is no such clock.
 */
export function samplingText(cycle: DutyCycle, bound: string, cost: SamplingCost): string {
  const hits = `${cycle.allow} hit${cycle.allow === 1 ? '' : 's'}`;
  const window =
    cycle.share === undefined
      ? `${hits} every ${duration(cycle.periodMs)}`
      : `on ${duration(cycle.onMs)} every ${duration(cycle.periodMs)} (${hits}), ~${percent(cycle.share)} of hits`;
  const costs = `~${Number(cost.msPerSecond.toPrecision(2))} ms of the main thread's CPU a second (${cost.measured ? 'measured' : 'estimated'})`;
  return `sampling: ${window}, ${costs}, to stay within ${bound}`;
}

/** Two significant digits: the figures move with the load, the status need not move with them. */
function duration(ms: number): string {
  if (ms >= 1000) return `${Number((ms / 1000).toPrecision(2))} s`;
  return `${Number(ms.toPrecision(2))} ms`;
}

function percent(share: number): string {
  return `${Number((share * 100).toPrecision(2))}%`;
}
