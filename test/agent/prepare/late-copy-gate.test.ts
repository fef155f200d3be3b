/**
 * A prepared bundle that loads while an action is on prepared sites of a module it holds (a
 * page's bundle, loaded by the first request to the page) holds the app as it binds until the
 * worker has placed the action in it (agent/src/prepare/late-copy-gate.ts): its first call is
 * hit. Before, the worker placed it after the binding, and the bundle's top-level code and the
 * request that loaded it ran its copy with its flags off. Node 22 and 24:
 * test/node-versions/late-copies.test.ts.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fromRoot } from '@liveprobe/harness';
import { awaitPlacement, lateCopyGate, wantPlacements } from '../../../agent/src/prepare/late-copy-gate.js';
import { lateCopyHitFirst } from './late-prepared-copy.js';

for (const prepared of ['build', 'load'] as const)
  for (const esm of [false, true])
    test(`a bundle prepared ${prepared === 'build' ? 'at build time' : 'as it loads'} (${esm ? 'an ES module, by import()' : 'CommonJS, by require'}) that loads after the action is placed is hit in its first call`, (t) =>
      lateCopyHitFirst(t, { esm, prepared, agentId: `late-copy-${prepared}-${esm ? 'esm' : 'cjs'}` }));

/** A thread standing in for the agent's worker: it says each file it is sent placed (the built gate, as the worker bundles it). */
const PLACER = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.module).then(({ filePlaced }) => {
  parentPort.on('message', (file) => filePlaced(workerData.gate, file));
  parentPort.postMessage('ready');
});
`;

test("a binding waits for the worker's placement of its file only while it is wanted, and goes on when the worker never answers", async (t) => {
  const gate = lateCopyGate();
  const module = pathToFileURL(fromRoot('agent/dist/prepare/late-copy-gate.js')).href;
  const placer = new Worker(PLACER, { eval: true, workerData: { gate, module } });
  t.after(() => placer.terminate());
  await once(placer, 'message');
  // Not wanted: no wait, nothing asked of the worker.
  awaitPlacement(gate, 0);
  assert.equal(Atomics.load(gate, 1), 0);
  wantPlacements(gate, true);
  // The worker places file 1 while the app's thread is held in the binding.
  placer.postMessage(1);
  awaitPlacement(gate, 1);
  assert.equal(Atomics.load(gate, 1), 2, 'went on once the worker had placed file 1');
  // A worker that never answers holds a binding for LATE_COPY_HOLD_MS at most: the app goes on.
  awaitPlacement(gate, 5);
  assert.equal(Atomics.load(gate, 1), 2);
});
