/**
 * The hook's duty cycle for a sampling breakpoint as the worker tests use it: 50 hits of an
 * estimated 200 µs every 250 ms (in for 10 ms), bound by the agent's hit quota (200 a second),
 * within the 50 ms a second CPU budget.
 */
import type { DutyCycle } from '../../../agent/src/bridge.js';

export const SAMPLING_CYCLE: DutyCycle = {
  allow: 50,
  onMs: 10,
  periodMs: 250,
  offMs: 240,
  share: 0.04,
  passedPerSecond: 5000,
  bound: 'rate',
  perSecond: 200,
  costPerHitUs: 200,
  cpuMsPerSecond: 50,
  cpuBound: "the agent's CPU budget of 50 ms per second",
};

/** What the status names as the limit that cycle keeps to. */
export const QUOTA_BOUND = "the agent's quota of 200 hits per second";
