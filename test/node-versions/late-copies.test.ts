/**
 * On Node 22 and 24, a prepared bundle that loads after an action was placed on a module it holds
 * is hit in its first call, CommonJS and ES modules, prepared at build time and as it loads
 * (test/agent/prepare/late-copy-gate.test.ts on the tests' Node).
 */
import { test } from 'node:test';
import { lateCopyHitFirst } from '../agent/prepare/late-prepared-copy.js';
import { nodeBinary, PINNED_MAJORS } from './node-binaries.js';

for (const major of PINNED_MAJORS)
  for (const prepared of ['build', 'load'] as const)
    for (const esm of [false, true])
      test(`on Node ${major}, a bundle prepared ${prepared === 'build' ? 'at build time' : 'as it loads'} (${esm ? 'ES module' : 'CommonJS'}) that loads late is hit in its first call`, (t) =>
        lateCopyHitFirst(t, {
          esm,
          prepared,
          agentId: `late-copy-node${major}-${prepared}-${esm ? 'esm' : 'cjs'}`,
          node: nodeBinary(major),
        }));
