/**
 * On Node 22 and 24, a fresh log action's first hits in an app whose @opentelemetry/api loads
 * slowly through its require hooks are all exported, on a prepared site and on a breakpoint
 * (test/agent/main/first-hit-charge.test.ts on the tests' Node): a trial on Node 22 with an app's
 * NodeSDK lost the second hit, as sampled.
 */
import { test } from 'node:test';
import { firstHitsDelivered } from '../agent/first-hits.js';
import { nodeBinary, PINNED_MAJORS } from './node-binaries.js';

for (const major of PINNED_MAJORS) {
  for (const site of ['prepared', 'breakpoint'] as const) {
    test(`on Node ${major}, a fresh log action on a ${site === 'prepared' ? 'prepared site' : 'breakpoint'} exports its first hits in an app with slow OpenTelemetry requires`, (t) =>
      firstHitsDelivered(t, { site, registerAt: 'start', agentId: `first-hits-node${major}-${site}`, node: nodeBinary(major) }));
  }
}
