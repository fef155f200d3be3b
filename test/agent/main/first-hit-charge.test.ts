/**
 * A probe's first hit pays one-time costs (here @opentelemetry/api loaded through the app's slow
 * require hook); they must not spend the agent's CPU budget and drop the next hits as sampled.
 * Loaded when the action is armed if the app registered its OpenTelemetry before; if it registers
 * later, the hit loads it and is charged at most FIRST_HIT_CHARGE_US (probe-hook.ts).
 */
import { test } from 'node:test';
import { firstHitsDelivered } from '../first-hits.js';

for (const site of ['prepared', 'breakpoint'] as const) {
  for (const registerAt of ['start', 'first-request'] as const) {
    test(`a fresh log action on a ${site === 'prepared' ? 'prepared site' : 'breakpoint'}, the app's OpenTelemetry registered at ${registerAt}: its first hits are all exported`, (t) =>
      firstHitsDelivered(t, { site, registerAt, agentId: `first-hits-${site}-${registerAt}` }));
  }
}
