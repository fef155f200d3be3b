/**
 * What the probe hook tells the worker when a breakpoint's sampling window closes: the next duty
 * cycle, from the action's limits and the agent's quotas, and which of them sets the pace, in
 * words for the action's status.
 */
import type { ArmProbe, DutyCycle } from '../bridge.js';
import type { QuotaSettings } from '../settings/quota-settings.js';
import { dutyCycle, type WindowReading } from './duty-cycle.js';

/** The action's rate within the agent's hit quota (0, off, leaves the action's own rate, or none). */
export function sampleRate(ratePerSecond: number | undefined, hitsPerSecond: number): number {
  if (ratePerSecond === undefined) return hitsPerSecond;
  return hitsPerSecond > 0 ? Math.min(ratePerSecond, hitsPerSecond) : ratePerSecond;
}

/**
 * `sampling`: how many of the agent's breakpoints sample now, this one included: they share the
 * CPU budget. `over`: the quota that closed the window early, if one did.
 */
export function windowClose(
  reading: WindowReading,
  spec: Pick<ArmProbe, 'ratePerSecond'>,
  quotas: QuotaSettings,
  sampling: number,
  over: string | undefined,
): { reason: string; cycle?: DutyCycle } {
  const cycle = dutyCycle(reading, {
    hitsPerSecond: sampleRate(spec.ratePerSecond, quotas.hitsPerSecond),
    cpuMsPerSecond: quotas.cpuMsPerSecond / Math.max(1, sampling),
    bytesPerSecond: quotas.bytesPerSecond,
    breakpointCostUs: quotas.breakpointCostUs,
  });
  if (cycle === undefined) return { reason: over ?? 'its window is spent' };
  const shared = sampling > 1 ? `, shared by ${sampling} sampling breakpoints` : '';
  const cpuBound = `the agent's CPU budget of ${quotas.cpuMsPerSecond} ms per second${shared}`;
  return { reason: boundText(cycle.bound, cpuBound, spec, quotas), cycle: { ...cycle, cpuBound } };
}

function boundText(bound: DutyCycle['bound'], cpuBound: string, spec: Pick<ArmProbe, 'ratePerSecond'>, quotas: QuotaSettings): string {
  switch (bound) {
    case 'rate':
      return spec.ratePerSecond !== undefined && (quotas.hitsPerSecond <= 0 || spec.ratePerSecond < quotas.hitsPerSecond)
        ? `its ratePerSecond of ${spec.ratePerSecond}`
        : `the agent's quota of ${quotas.hitsPerSecond} hits per second`;
    case 'cpu':
      return cpuBound;
    case 'bytes':
      return `the output quota of ${quotas.bytesPerSecond} bytes per second`;
  }
}
