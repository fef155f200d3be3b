/**
 * The worker's reading of counts the app's thread keeps in place: each key gets the hits since
 * its own last reading, across the count's wrap at 2^32, and its last ones when it stops.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SiteCounts } from '../../../../agent/src/worker/prepared/site-counts.js';

function watching(): { counts: SiteCounts; K: Int32Array; read: [number, number][] } {
  const counts = new SiteCounts();
  const read: [number, number][] = [];
  counts.counted = (key, hits) => read.push([key, hits]);
  return { counts, K: new Int32Array(new SharedArrayBuffer(8)), read };
}

test('two counters on one site each get the hits since they were turned on; the count wraps at 2^32 without losing one', () => {
  const { counts, K, read } = watching();
  K[1] = 2 ** 31 - 10;
  counts.watch(1, K, [1]);
  K[1] = K[1]! + 5;
  counts.watch(2, K, [1]);
  // The app's `$lpK[n]++` past 2^31 - 1 stores -2^31.
  for (let i = 0; i < 20; i++) K[1] = K[1]! + 1;
  counts.readAll();
  assert.deepEqual(read, [
    [1, 25],
    [2, 20],
  ]);
  counts.readAll();
  assert.equal(read.length, 2, 'no hits, nothing handed over');
  K[1] = K[1]! + 3;
  counts.unwatch(1);
  counts.unwatch(2);
  assert.deepEqual(read.slice(2), [
    [1, 3],
    [2, 3],
  ]);
  K[1] = K[1]! + 1;
  counts.readAll();
  assert.equal(read.length, 4, 'unwatched keys read nothing');
});

test('a counter on an arrow body in a twinned function gets the hits of both copies of the arrow, across the wrap', () => {
  const { counts, K, read } = watching();
  K[0] = 2 ** 31 - 2;
  K[1] = 7;
  counts.watch(1, K, [0, 1]);
  for (let i = 0; i < 4; i++) K[0] = K[0]! + 1;
  K[1] = K[1]! + 2;
  counts.unwatch(1);
  assert.deepEqual(read, [[1, 6]]);
});
