/**
 * What a sampling breakpoint's windows are charged (window-cost.ts): the main thread's CPU from
 * setting the breakpoint to removing it, less the app's own work where the thread had time to
 * spare while the breakpoint was out but never less than the hook's estimate of its hits, plus
 * what the thread spent beyond its own rate while the window settled; and the pause that keeps
 * that within the budget's share.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CpuReading } from '../../../agent/src/worker/main-thread-cpu.js';
import { WindowCost } from '../../../agent/src/worker/window-cost.js';
import { SAMPLING_CYCLE } from './sampling-cycle.js';

/**
 * A window of `windowWall` ms costing `windowCpu` ms, after `outWall` ms out during which the
 * thread ran `outCpu` and waited `outWait`; its 50 hits estimated by the hook at `costPerHitUs`.
 */
function measured(outWall: number, outCpu: number, outWait: number, windowWall: number, windowCpu: number, costPerHitUs = 100) {
  let now: CpuReading = { cpuMs: 0, waitMs: 0, wallMs: 0 };
  const cost = new WindowCost(() => now);
  cost.closed(costPerHitUs); // the first window, opened before sampling: not measured, but the time out starts
  now = { cpuMs: outCpu, waitMs: outWait, wallMs: outWall };
  cost.opening(SAMPLING_CYCLE.allow);
  now = { cpuMs: outCpu + windowCpu, waitMs: outWait, wallMs: outWall + windowWall };
  cost.closed(costPerHitUs);
  return cost.pace(SAMPLING_CYCLE);
}

test('a thread busy all the time while the breakpoint was out is charged the whole window: its own work there was displaced', () => {
  // Out for 240 ms: 200 ms on a CPU, 40 ms waiting for one. The window: 30 ms, all of it on a CPU.
  const { cycle, cost } = measured(240, 200, 40, 30, 30);
  assert.deepEqual(cost, { msPerSecond: 50, measured: true });
  assert.equal(cycle.periodMs, 600, '30 ms a window within 50 ms a second');
  assert.equal(cycle.offMs, 590);
  assert.equal(cycle.bound, 'cpu');
});

test('a thread with time to spare is not charged its own work in the window, at the rate it did it while the breakpoint was out', () => {
  // Out for 1 s: half of it on a CPU, the rest idle. The window: 200 ms, 110 ms on a CPU, of which ~100 ms the app's own.
  const { cycle, cost } = measured(1000, 500, 0, 200, 110);
  assert.ok(Math.abs(cost.msPerSecond - 40) < 1e-9, `${cost.msPerSecond}: 10 ms a window every 250 ms`);
  assert.equal(cycle, SAMPLING_CYCLE, "within the share: the hook's cycle stands");
});

test("a window is charged at least its hits at the hook's estimate: its breaks can push the app's own work out of it", () => {
  // Out for 1 s, half of it on a CPU; the window: 20 ms, all on a CPU, 50 hits the hook puts at 300 µs each.
  const { cycle, cost } = measured(1000, 500, 0, 20, 20, 300);
  // Less the app's own rate that is 10 ms, under the 15 ms its hits cost: 15 ms a window needs 300 ms between windows.
  assert.equal(cycle.periodMs, 300);
  assert.equal(cycle.bound, 'cpu');
  assert.deepEqual(cost, { msPerSecond: 50, measured: true });
});

test('without a clock the cost is the hook estimate, and the cycle stands', () => {
  const cost = new WindowCost(undefined);
  cost.opening(SAMPLING_CYCLE.allow);
  cost.closed(SAMPLING_CYCLE.costPerHitUs);
  assert.deepEqual(cost.pace(SAMPLING_CYCLE), { cycle: SAMPLING_CYCLE, cost: { msPerSecond: 40, measured: false } });
});

/**
 * A thread with half its time to spare: a first window of 10 ms, then `settlingMs` more than its
 * own rate in the 100 ms after the removal (V8 compiling the function again), back to its own
 * rate for the rest of a 1 s pause, and a second window of 10 ms beside 5 ms of its own work.
 * `lateSettle`: the settling reading comes only after the next window opened.
 */
function settling(settlingMs: number, lateSettle = false) {
  let now: CpuReading = { cpuMs: 0, waitMs: 0, wallMs: 0 };
  const cost = new WindowCost(() => now);
  cost.opening(SAMPLING_CYCLE.allow);
  now = { cpuMs: 10, waitMs: 0, wallMs: 10 };
  const settle = cost.closed(100);
  now = { cpuMs: 10 + 50 + settlingMs, waitMs: 0, wallMs: 110 };
  if (!lateSettle) settle();
  now = { cpuMs: now.cpuMs + 450, waitMs: 0, wallMs: 1010 };
  cost.opening(SAMPLING_CYCLE.allow);
  if (lateSettle) settle();
  now = { cpuMs: now.cpuMs + 15, waitMs: 0, wallMs: 1020 };
  cost.closed(100);
  return cost.pace(SAMPLING_CYCLE);
}

test('what the thread spends beyond its own rate after a window, while V8 compiles the function again, is charged to the window', () => {
  const quiet = settling(0);
  assert.equal(quiet.cycle, SAMPLING_CYCLE, '10 ms a window every 250 ms is within the share');
  assert.deepEqual(quiet.cost, { msPerSecond: 40, measured: true });
  // 10 ms in the window and 20 ms after it: 30 ms a window needs 600 ms between windows.
  const { cycle, cost } = settling(20);
  assert.equal(cycle.periodMs, 600);
  assert.equal(cycle.offMs, 590);
  assert.equal(cycle.bound, 'cpu');
  assert.deepEqual(cost, { msPerSecond: 50, measured: true }, 'the status gives the cost with the settling');
});

test('a settling reading taken after the next window opened is not charged', () => {
  const { cycle, cost } = settling(20, true);
  assert.equal(cycle, SAMPLING_CYCLE);
  assert.equal(cost.measured, true);
});
