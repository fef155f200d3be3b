/**
 * Actions timing one position together take one time: two durations of a function report the
 * same interval, and a recursive call or an invocation resuming after an `await` is timed on
 * its own.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvocationTimers } from '../../../agent/src/main/invocation-timers.js';

const ENTRY = 'script:1:0';
const EXIT = 'script:3:2';

/** One hit of a tic: opened, then stamped as the hit's last step. */
function tic(timers: InvocationTimers, pair: number): void {
  timers.start(pair, ENTRY);
  timers.stamp();
}

test('two actions passing the entry and the exit together report the same interval', () => {
  const timers = new InvocationTimers();
  tic(timers, 1);
  tic(timers, 2);
  const first = timers.stop(1, EXIT, performance.now() + 5);
  // The second toc's hit begins later; it still stops at the time the first one took.
  const second = timers.stop(2, EXIT, performance.now() + 50);
  assert.ok(first !== undefined && first > 0);
  assert.equal(second, first);
});

test('the same action at the same position again is a new passage: a recursive call is timed on its own', () => {
  const timers = new InvocationTimers();
  tic(timers, 1);
  tic(timers, 1);
  const now = performance.now();
  const inner = timers.stop(1, EXIT, now + 1);
  const outer = timers.stop(1, EXIT, now + 2);
  assert.ok(inner !== undefined && outer !== undefined);
  assert.ok(outer > inner, `outer ${outer} s, inner ${inner} s`);
});

test('an invocation resuming later at the same position is a passage of its own', async () => {
  const timers = new InvocationTimers();
  tic(timers, 1);
  tic(timers, 2);
  const first = timers.stop(1, EXIT, performance.now());
  // Action 2's toc comes after an await: it takes its own time, not action 1's.
  await Promise.resolve();
  const second = timers.stop(2, EXIT, performance.now() + 5);
  assert.ok(first !== undefined && second !== undefined);
  assert.ok(second > first, `first ${first} s, second ${second} s`);
});

test('a hit that opened no tic (a log line further down) leaves the start where it was', () => {
  const timers = new InvocationTimers();
  tic(timers, 1);
  const afterTic = performance.now();
  while (performance.now() - afterTic < 2) {
    // The app's own work after the entry.
  }
  timers.stamp();
  const seconds = timers.stop(1, EXIT, performance.now());
  assert.ok(seconds !== undefined && seconds * 1000 >= 2, `${seconds} s leaves out the work after the entry`);
});

test('a toc without a tic in its invocation reports nothing', () => {
  assert.equal(new InvocationTimers().stop(1, EXIT, performance.now()), undefined);
});
