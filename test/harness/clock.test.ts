// A bench's processes stamp events with preciseNow and subtract each other's stamps: after the
// system clock is stepped, each must still read the wall clock, not the one at its own start.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { preciseNow } from '@liveprobe/harness/clock';

test('preciseNow follows the wall clock when it is stepped after the process started, and keeps sub-millisecond steps between reads', (t) => {
  const realNow = Date.now;
  t.after(() => {
    Date.now = realNow;
  });
  assert.ok(Math.abs(preciseNow() - Date.now()) <= 1, 'agrees with the wall clock at first');
  // Stepping the machine's clock is not for a test: the process's view of it is stepped instead.
  const step = 33_000;
  Date.now = () => realNow() + step;
  assert.ok(Math.abs(preciseNow() - Date.now()) <= 1, `${preciseNow() - Date.now()} ms off the stepped wall clock`);
  const first = preciseNow();
  const second = preciseNow();
  assert.ok(second >= first && second - first < 1, 'two reads in a row differ by the monotonic clock, not by whole milliseconds');
  assert.notEqual(first % 1, 0, 'sub-millisecond precision after the step');
});
