import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HELD_CAPTURES } from '../../../agent/src/bridge.js';
import { HeldCaptures } from '../../../agent/src/main/held-captures.js';

test('a held capture is published once, when its error is reported; the error itself is left untouched', () => {
  const held = new HeldCaptures();
  const published: number[] = [];
  const error = new Error('declined');
  const before = Reflect.ownKeys(error);
  held.hold(error, 7, 1000, () => published.push(7));
  assert.deepEqual(Reflect.ownKeys(error), before, 'no property added to the error');
  assert.equal(Object.getOwnPropertySymbols(error).length, 0);
  assert.equal(held.keyOf(error), 7);
  assert.equal(held.keyOf(new Error('declined')), -1, 'another error with the same message is another error');
  assert.equal(held.release(error, 2000), true);
  assert.equal(held.release(error, 2001), false, 'reported twice (two layers of error middleware), published once');
  assert.deepEqual(published, [7]);
  assert.equal(held.release('a string', 2002), false);
});

test('a capture held too long, or pushed out by newer ones, is dropped: a swallowed error costs nothing more', () => {
  const held = new HeldCaptures();
  const published: number[] = [];
  const stale = new Error('stale');
  held.hold(stale, 1, 0, () => published.push(1));
  assert.equal(held.release(stale, HELD_CAPTURES.ttlMs + 1), false, 'past its time');
  const errors = Array.from({ length: HELD_CAPTURES.max + 1 }, (_, i) => new Error(`e${i}`));
  errors.forEach((error, i) => held.hold(error, 100 + i, 10, () => published.push(100 + i)));
  assert.equal(held.keyOf(errors[0]), -1, 'the oldest went when one more than the bound was held');
  assert.equal(held.release(errors[0], 20), false);
  assert.equal(held.release(errors.at(-1), 20), true);
  assert.deepEqual(published, [100 + HELD_CAPTURES.max]);
});
