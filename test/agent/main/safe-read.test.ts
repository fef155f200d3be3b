import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readProperty } from '../../../agent/src/main/safe-read.js';
import { CaptureBudget, renderValue, serialize } from '../../../agent/src/main/serialize.js';
import { DEFAULT_CAPTURE_LIMITS } from '../../../agent/src/settings/capture-settings.js';

/**
 * Defines a counting `value` getter on Object.prototype for the length of `body`: a property
 * descriptor inherits it, so a reader that asks `'value' in descriptor` would run it.
 */
function withPrototypeValue(body: () => void): number {
  let runs = 0;
  Object.defineProperty(Object.prototype, 'value', {
    configurable: true,
    get() {
      runs++;
      return 'from the app';
    },
  });
  try {
    body();
  } finally {
    delete (Object.prototype as { value?: unknown }).value;
  }
  return runs;
}

/** An object with a data property and an accessor that counts its runs. */
function orderWithGetter(): { order: { id: number; readonly total: number }; getterRuns: () => number } {
  let runs = 0;
  const order = {
    id: 7,
    get total() {
      runs++;
      return 1;
    },
  };
  return { order, getterRuns: () => runs };
}

test('reading an accessor never runs a `value` getter the app put on Object.prototype', () => {
  const { order, getterRuns } = orderWithGetter();
  const runs = withPrototypeValue(() => {
    assert.equal(readProperty(order, 'id', 'order.id'), 7);
    assert.throws(() => readProperty(order, 'total', 'order.total'), /getter/);
  });
  assert.equal(runs, 0, "the app's Object.prototype.value getter ran");
  assert.equal(getterRuns(), 0, "the app's own getter ran");
});

test("a snapshot of an object with an accessor shows the getter, without running Object.prototype's `value`", () => {
  const { order, getterRuns } = orderWithGetter();
  let shown = '';
  const runs = withPrototypeValue(() => {
    shown = renderValue(serialize(order, DEFAULT_CAPTURE_LIMITS, new CaptureBudget(DEFAULT_CAPTURE_LIMITS.totalBytes)));
  });
  assert.equal(runs, 0, "the app's Object.prototype.value getter ran");
  assert.equal(getterRuns(), 0, "the app's own getter ran");
  assert.match(shown, /id: 7/);
  assert.doesNotMatch(shown, /from the app/);
});
