// Twins (bench/lib/twin-runs.ts): what a piece of work adds, from two processes of one app that
// run at once and swap roles, so that neither the machine's load nor one twin's own bias counts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { twinDifference, workerOf, type TwinSegment } from '../../bench/lib/twin-runs.js';

/** Segments where twin 1 costs `bias` more than twin 0 whatever it does, and the work adds `work`. */
function segments(work: number, bias: number, loads: number[]): TwinSegment[] {
  return loads.map((load, s) => {
    const worker = workerOf(s);
    const cost = (twin: 0 | 1, working: boolean) => load + (twin === 1 ? bias : 0) + (working ? work : 0);
    return { worker, withWork: cost(worker, true), without: cost(worker === 0 ? 1 : 0, false) };
  });
}

test('the twins take turns: twin 0 works in even segments, twin 1 in odd ones', () => {
  assert.deepEqual([0, 1, 2, 3].map(workerOf), [0, 1, 0, 1]);
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
