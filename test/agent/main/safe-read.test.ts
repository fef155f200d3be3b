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

test('a `get` the app put on Object.prototype neither runs nor makes a getter pass for a data property', () => {
  const { order, getterRuns } = orderWithGetter();
  const setterOnly = Object.defineProperty({}, 'total', { set() {} });
  const readAll = (): void => {
    assert.equal(readProperty(order, 'id', 'order.id'), 7);
    assert.throws(() => readProperty(order, 'total', 'order.total'), /order\.total` is a getter/);
    assert.throws(() => readProperty(setterOnly, 'total', 's.total'), /s\.total` is a getter/);
  };
  // Optimized first, as on a hot line: the descriptor's map, as the reads saw it, then changes under them.
  for (let i = 0; i < 20_000; i++) readAll();
  let runs = 0;
  Object.defineProperty(Object.prototype, 'get', {
    configurable: true,
    get() {
      runs++;
      return undefined;
    },
  });
  try {
    const valueRuns = withPrototypeValue(() => {
      for (let i = 0; i < 1_000; i++) readAll();
    });
    assert.equal(valueRuns, 0, "the app's Object.prototype.value getter ran");
  } finally {
    delete (Object.prototype as { get?: unknown }).get;
  }
  assert.equal(runs, 0, "the app's Object.prototype.get getter ran");
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

test('a read finds own data properties and refuses own getters, running none of them', () => {
  const { order, getterRuns } = orderWithGetter();
  assert.equal(readProperty(order, 'id', 'order.id'), 7);
  assert.throws(() => readProperty(order, 'total', 'order.total'), /order\.total` is a getter/);
  const child = Object.create(order) as object;
  assert.throws(() => readProperty(child, 'total', 'child.total'), /child\.total` is a getter/);
  assert.equal(readProperty(child, 'id', 'child.id'), 7);
  assert.equal(getterRuns(), 0);
});

test('a setter alone is refused without running the setter', () => {
  let runs = 0;
  const order = Object.defineProperty({ id: 7 }, 'total', {
    set() {
      runs++;
    },
  });
  assert.throws(() => readProperty(order, 'total', 'order.total'), /order\.total` is a getter/);
  assert.equal(runs, 0);
});

test('no Proxy trap runs: neither a Proxy read nor one in the prototype chain under an own or missing key', () => {
  let traps = 0;
  const proxy = new Proxy(
    { id: 1 },
    {
      get: () => ++traps,
      getOwnPropertyDescriptor: () => {
        traps++;
        return undefined;
      },
      getPrototypeOf: () => {
        traps++;
        return null;
      },
      has: () => {
        traps++;
        return true;
      },
    },
  );
  assert.throws(() => readProperty(proxy, 'id', 'p.id'), /is a Proxy/);
  const onProxy = Object.create(proxy) as { id?: number };
  onProxy.id = 7;
  assert.equal(readProperty(onProxy, 'id', 'o.id'), 7);
  assert.throws(() => readProperty(onProxy, 'missing', 'o.missing'), /is a Proxy/);
  assert.equal(traps, 0);
});

test('a property turned into a getter later is refused at the next read (nothing cached)', () => {
  let runs = 0;
  const order: { id: number } = { id: 7 };
  assert.equal(readProperty(order, 'id', 'order.id'), 7);
  Object.defineProperty(order, 'id', {
    get() {
      runs++;
      return 8;
    },
  });
  assert.throws(() => readProperty(order, 'id', 'order.id'), /is a getter/);
  Object.defineProperty(order, 'id', { value: 9 });
  assert.equal(readProperty(order, 'id', 'order.id'), 9);
  assert.equal(runs, 0);
});

test('an app that replaces hasOwnProperty or getOwnPropertyDescriptor after load changes no read', () => {
  const saved = {
    lookup: Object.getOwnPropertyDescriptor(Object.prototype, '__lookupGetter__')!,
    own: Object.getOwnPropertyDescriptor(Object.prototype, 'hasOwnProperty')!,
    descriptor: Object.getOwnPropertyDescriptor(Object, 'getOwnPropertyDescriptor')!,
  };
  let replaced = 0;
  const { order, getterRuns } = orderWithGetter();
  try {
    Object.defineProperty(Object.prototype, '__lookupGetter__', { configurable: true, value: () => (replaced++, undefined) });
    Object.defineProperty(Object.prototype, 'hasOwnProperty', { configurable: true, value: () => (replaced++, true) });
    Object.defineProperty(Object, 'getOwnPropertyDescriptor', { configurable: true, value: () => (replaced++, undefined) });
    assert.equal(readProperty(order, 'id', 'order.id'), 7);
    assert.throws(() => readProperty(order, 'total', 'order.total'), /is a getter/);
    assert.equal(readProperty(order, 'missing', 'order.missing'), undefined);
  } finally {
    Object.defineProperty(Object.prototype, '__lookupGetter__', saved.lookup);
    Object.defineProperty(Object.prototype, 'hasOwnProperty', saved.own);
    Object.defineProperty(Object, 'getOwnPropertyDescriptor', saved.descriptor);
  }
  assert.equal(replaced, 0);
  assert.equal(getterRuns(), 0);
});

test('process.env reads its variables, and a Proxy the app set as its prototype runs no trap', () => {
  process.env.LIVEPROBE_SAFE_READ = 'yes';
  const prototype = Object.getPrototypeOf(process.env) as object;
  let traps = 0;
  try {
    assert.equal(readProperty(process.env, 'LIVEPROBE_SAFE_READ', 'env.X'), 'yes');
    Object.setPrototypeOf(process.env, new Proxy({}, { getOwnPropertyDescriptor: () => (traps++, undefined), get: () => traps++ }));
    assert.equal(readProperty(process.env, 'LIVEPROBE_SAFE_READ', 'env.X'), 'yes');
  } finally {
    Object.setPrototypeOf(process.env, prototype);
    delete process.env.LIVEPROBE_SAFE_READ;
  }
  assert.equal(traps, 0);
});
