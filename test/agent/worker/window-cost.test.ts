/**
 * What a sampling breakpoint's windows are charged (window-cost.ts): the main thread's CPU from
 * setting the breakpoint to removing it, less the app's own work where the thread had time to
 * spare while the breakpoint was out; and the pause that keeps that within the budget's share.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CpuReading } from '../../../agent/src/worker/main-thread-cpu.js';
import { WindowCost } from '../../../agent/src/worker/window-cost.js';
import { SAMPLING_CYCLE } from './sampling-cycle.js';

/** A window of `windowWall` ms costing `windowCpu` ms, after `outWall` ms out during which the thread ran `outCpu` and waited `outWait`. */
function measured(outWall: number, outCpu: number, outWait: number, windowWall: number, windowCpu: number) {
  let now: CpuReading = { cpuMs: 0, waitMs: 0, wallMs: 0 };
  const cost = new WindowCost(() => now);
  cost.closed(); // the first window, opened before sampling: not measured, but the time out starts
  now = { cpuMs: outCpu, waitMs: outWait, wallMs: outWall };
  cost.opening();
  now = { cpuMs: outCpu + windowCpu, waitMs: outWait, wallMs: outWall + windowWall };
  cost.closed();
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

test('without a clock the cost is the hook estimate, and the cycle stands', () => {
  const cost = new WindowCost(undefined);
  cost.opening();
  cost.closed();
  assert.deepEqual(cost.pace(SAMPLING_CYCLE), { cycle: SAMPLING_CYCLE, cost: { msPerSecond: 40, measured: false } });
});
