/**
 * The main thread's CPU clock the worker paces sampling breakpoints by (main-thread-cpu.ts): on
 * Linux it reads the thread's scheduler statistics and moves while the thread works; for a
 * thread that is not there (as on a system without such files) there is no clock, and the
 * worker keeps the hook's estimate.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mainThreadCpu } from '../../../agent/src/worker/main-thread-cpu.js';

test('on Linux the clock reads the main thread CPU time, which grows while the thread works', {
  skip: process.platform !== 'linux',
}, () => {
  const clock = mainThreadCpu();
  assert.ok(clock !== undefined, 'Linux has /proc/self/task/<pid>/schedstat');
  const before = clock()!.cpuMs;
  let sum = 0;
  // Work until the clock has moved: it counts this thread's time on a CPU, however busy the machine.
  // (It may have moved already, between the two reads: the work runs at least once all the same.)
  do for (let i = 0; i < 100_000; i++) sum += i % 7;
  while (clock()!.cpuMs <= before);
  assert.ok(sum > 0, 'the thread worked');
  const after = clock()!;
  assert.ok(after.cpuMs > before);
  assert.ok(after.waitMs >= 0 && after.wallMs > 0);
});

test('there is no clock for a thread that does not exist', () => {
  assert.equal(mainThreadCpu(-1), undefined);
});
