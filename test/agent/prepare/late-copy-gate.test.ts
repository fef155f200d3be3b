/**
 * A prepared bundle that loads while an action is on prepared sites of a module it holds (a
 * page's bundle, loaded by the first request to the page) holds the app as it binds until the
 * worker has placed the action in it (agent/src/prepare/late-copy-gate.ts): that request is hit
 * in its copy. Before, the worker placed it after the binding, and the request ran the copy with
 * its flags off. Node 22 and 24: test/node-versions/late-copies.test.ts.
 */
import { test } from 'node:test';
import { lateCopyHitFirst } from './late-prepared-copy.js';

for (const prepared of ['build', 'load'] as const)
  for (const esm of [false, true])
    test(`a bundle prepared ${prepared === 'build' ? 'at build time' : 'as it loads'} (${esm ? 'an ES module, by import()' : 'CommonJS, by require'}) that loads after the action is placed is hit in its first call`, (t) =>
      lateCopyHitFirst(t, { esm, prepared, agentId: `late-copy-${prepared}-${esm ? 'esm' : 'cjs'}` }));
