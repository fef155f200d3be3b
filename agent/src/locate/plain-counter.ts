/**
 * A plain counter: no condition, no attributes, no outcome, so a hit reads no value and is one
 * addition. The main thread counts its prepared hits without reading the site's bindings
 * (ProbeHook.count), and the worker reads a COUNT_IN_PLACE site's count for it
 * (worker/prepared/site-counts.ts): both must agree on which arms these are.
 */
import type { ArmProbe } from '../bridge.js';

export function isPlainCounter(spec: Pick<ArmProbe, 'condition' | 'metric' | 'calibration'>): boolean {
  return (
    spec.calibration !== true &&
    spec.condition === undefined &&
    spec.metric?.role === 'count' &&
    spec.metric.attributes.length === 0 &&
    spec.metric.outcome === undefined
  );
}
