// Twins (bench/lib/twin-runs.ts): what a piece of work adds, from two processes of one app that
// run at once and swap roles, so that neither the machine's load nor one twin's own bias counts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { launchOrder, twinDifference, workerOf, type TwinSegment } from '../../bench/lib/twin-runs.js';

/**
 * Segments where twin 1 costs `bias` more than twin 0 whatever it does, plus `drift` more each
 * segment (its heap growing, say), and the work adds `work`.
 */
function segments(work: number, bias: number, loads: number[], drift = 0): TwinSegment[] {
  return loads.map((load, s) => {
    const worker = workerOf(s);
    const cost = (twin: 0 | 1, working: boolean) => load + (twin === 1 ? bias + drift * s : 0) + (working ? work : 0);
    return { worker, withWork: cost(worker, true), without: cost(worker === 0 ? 1 : 0, false) };
  });
}

test('the twins take turns in Thue–Morse order, each working twice in every 4 segments', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map(workerOf), [0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1]);
});

test('a cost one twin gains at a steady pace cancels over every 4 segments', () => {
  assert.equal(twinDifference(segments(7, 2, [20, 20, 20, 20], 0.5)), 7);
  assert.equal(twinDifference(segments(7, 2, [20, 31, 20, 26, 40, 20, 20, 25], 0.5)), 7);
  // Strict turns (0 1 0 1) would have left a part of it: twin 1's drift counted once more against it.
  const strict = [0, 1, 2, 3].map((s): TwinSegment => {
    const worker = s % 2 === 0 ? 0 : 1;
    const twin1 = 20 + 0.5 * s + (worker === 1 ? 7 : 0);
    const twin0 = 20 + (worker === 0 ? 7 : 0);
    return worker === 0 ? { worker, withWork: twin0, without: twin1 } : { worker, withWork: twin1, without: twin0 };
  });
  assert.notEqual(twinDifference(strict), 7);
});

test('the variants are started in an order that rotates each segment', () => {
  assert.deepEqual(
    [0, 1, 2, 3].map((s) => launchOrder(3, s)),
    [
      [0, 1, 2],
      [1, 2, 0],
      [2, 0, 1],
      [0, 1, 2],
    ],
  );
  assert.deepEqual(launchOrder(2, 5), [1, 0]);
});

test("a twin's own bias cancels once each twin did the work", () => {
  // Twin 1 costs 5 more: alone, its segments would say 12 and twin 0's 2.
  assert.equal(twinDifference(segments(7, 5, [20, 20, 20, 20])), 7);
  assert.equal(twinDifference(segments(7, -3, [20, 20])), 7);
});

test('a load that moves from segment to segment reaches both twins and cancels', () => {
  assert.equal(twinDifference(segments(7, 0, [20, 35, 22, 60])), 7);
});

test('each role weighs the same, however many segments it had', () => {
  // Three segments: twin 0 worked twice (differences 2 and 4), twin 1 once (10): (3 + 10) / 2.
  const three: TwinSegment[] = [
    { worker: 0, withWork: 12, without: 10 },
    { worker: 1, withWork: 20, without: 10 },
    { worker: 0, withWork: 14, without: 10 },
  ];
  assert.equal(twinDifference(three), 6.5);
});

test('segments in which only one twin worked are refused, with what to change', () => {
  assert.throws(
    () => twinDifference([{ worker: 0, withWork: 12, without: 10 }]),
    /got 1 for twin 0, 0 for twin 1\): run an even number of segments/,
  );
  assert.throws(() => twinDifference([]), /got 0 for twin 0, 0 for twin 1/);
});
