/**
 * A log line on the worker-formatted path (the main thread packs the placeholders' values, the
 * worker joins the line) reads exactly as the line formatted whole on the app's thread:
 * numbers, booleans, strings and objects, redaction, bounds, failed placeholders, trace ids,
 * through a MessagePort-like copy and through JSON (the attach path).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkTemplate } from '@liveprobe/protocol';
import type { HitOutput, PackedLogs, ToWorker } from '../../../agent/src/bridge.js';
import { compileTemplate, type TextOptions } from '../../../agent/src/main/compile.js';
import { headerOf, KEY_LIMIT } from '../../../agent/src/log-header.js';
import { HitBatch, lineFlags, type PackingTemplate, type TraceIds } from '../../../agent/src/main/hit-batch.js';
import { Redaction } from '../../../agent/src/main/redaction.js';
import { DEFAULT_CAPTURE_LIMITS } from '../../../agent/src/settings/capture-settings.js';
import { DEFAULT_PATTERNS, DEFAULT_REDACTED_KEYS } from '../../../agent/src/settings/redaction-settings.js';
import { unpackLines } from '../../../agent/src/worker/packed-lines.js';

const text: TextOptions = {
  limits: DEFAULT_CAPTURE_LIMITS,
  redaction: new Redaction({ keys: [...DEFAULT_REDACTED_KEYS], patterns: [...DEFAULT_PATTERNS], regexes: [], exactKeys: [] }),
};

/** A line packed as the hook packs it, with its action's header (worked out there when the action is armed). */
function packed(
  batch: HitBatch,
  template: PackingTemplate,
  frame: { values: unknown[]; self: unknown },
  key: number,
  time: number,
  emitted: boolean,
  live: boolean,
  trace: TraceIds | undefined,
  measure: boolean,
): number {
  return batch.packedLine(
    template,
    frame.values,
    frame.self,
    key,
    headerOf(template.id, key, lineFlags(emitted, live)),
    time,
    trace,
    measure,
  );
}

const TRACE = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };

/**
 * Each scope through both paths; returns [formatted on the main thread, joined in the worker].
 * `shared`: the batch writes into memory shared with the worker, as in the agent (a structured
 * clone shares it, as postMessage to a worker thread does). The template writes the values
 * straight into the batch, as on a prepared site and a breakpoint alike.
 */
function bothWays(template: string, scopes: Record<string, unknown>[], json: boolean, shared = false): [string[], HitOutput[]] {
  const checked = checkTemplate(template);
  const errors: string[] = [];
  const compiled = compileTemplate(checked.parts, checked.roots, (m) => errors.push(m), text);
  const sent: ToWorker[][] = [];
  const batch = new HitBatch(
    (messages) => sent.push(json ? (JSON.parse(JSON.stringify(messages, toArray)) as ToWorker[]) : structuredClone(messages)),
    shared,
  );
  const whole: string[] = [];
  scopes.forEach((scope, i) => {
    const frame = { values: checked.roots.map((r) => scope[r]), self: undefined };
    whole.push(compiled(frame));
    const trace = i % 4 === 1 ? TRACE : undefined;
    const length = packed(batch, compiled, frame, 7, 1000 + i, i % 3 === 0, i % 2 === 0, trace, true);
    assert.equal(length >= whole[i]!.length, true, `the length counted for ${whole[i]} covers it`);
    batch.kept();
  });
  batch.flush();
  const joined: HitOutput[] = [];
  for (const messages of sent) for (const m of messages) if (m.t === 'logs') unpackLines(m as PackedLogs, (hit) => joined.push(hit));
  assert.equal(
    sent.flat().some((m) => m.t === 'logs' && m.release !== undefined),
    shared,
    'shared memory is used exactly when the receiver can read it',
  );
  return [whole, joined];
}

/** What the attach path's hook does: a Float64Array crosses JSON as an array. */
function toArray(_key: string, value: unknown): unknown {
  return value instanceof Float64Array ? Array.from(value) : value;
}

const SCOPES: Record<string, unknown>[] = [
  { order: { id: 7, total: 12.5, paid: true }, user: 'ann', n: 0 },
  { order: { id: -3, total: Number.NaN, paid: false }, user: 'x'.repeat(400), n: -0 },
  { order: { id: 4111111111111111, total: 1e21, paid: null }, user: 'Bearer abc.def.ghi', n: 2n ** 70n },
  { order: { id: Number.POSITIVE_INFINITY, total: 0.1 + 0.2, paid: undefined }, user: { password: 'p', name: 'bo' }, n: [1, 2, 3] },
  { order: undefined, user: 'card 4111 1111 1111 1111', n: 999_999_999_999 },
];

for (const [json, shared] of [
  [false, false],
  [false, true],
  [true, false],
] as const) {
  const how = json ? ', through JSON (attach)' : shared ? ', through memory shared with the worker' : '';
  test(`a line joined in the worker reads exactly as the line formatted on the app's thread${how}`, () => {
    const [whole, joined] = bothWays(
      'order {order.id} total {order.total} paid {order.paid} by {user} n={n}; {{literal}}',
      SCOPES,
      json,
      shared,
    );
    assert.deepEqual(
      joined.map((h) => h.message),
      whole,
    );
    // Redaction applied before the values left the app's thread.
    assert.ok(!joined.some((h) => /4111 1111|abc\.def|"p"/.test(h.message)));
    assert.deepEqual(
      joined.map((h) => [h.key, h.time, h.emitted, h.live, h.traceId, h.spanId, h.traceFlags]),
      SCOPES.map((_, i) => [
        7,
        1000 + i,
        i % 3 === 0,
        i % 2 === 0,
        ...(i % 4 === 1 ? [TRACE.traceId, TRACE.spanId, 1] : [undefined, undefined, undefined]),
      ]),
    );
  });
}

test('property: for any values, the worker joins the same line the app thread formats', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ a: fc.anything(), b: fc.oneof(fc.double(), fc.integer(), fc.boolean(), fc.string()) }), { maxLength: 20 }),
      (scopes) => {
        const [whole, joined] = bothWays('{a} and {b}{a}', scopes, false, scopes.length % 2 === 1);
        assert.deepEqual(
          joined.map((h) => h.message),
          whole,
        );
      },
    ),
    { numRuns: 200 },
  );
});

test('a template with no placeholder, and lines of several templates in one batch, each read as written', () => {
  const plain = compileTemplate(checkTemplate('just text').parts, [], () => {}, text);
  const other = compileTemplate(checkTemplate('{x}').parts, ['x'], () => {}, text);
  const sent: ToWorker[][] = [];
  const batch = new HitBatch((messages) => sent.push(structuredClone(messages)));
  packed(batch, plain, { values: [], self: undefined }, 1, 1, false, true, undefined, false);
  batch.kept();
  packed(batch, other, { values: ['y'], self: undefined }, 2, 2, false, true, undefined, false);
  batch.kept();
  batch.log(3, 3, 'formatted whole', true, true, undefined);
  batch.flush();
  const joined: string[] = [];
  for (const m of sent.flat()) if (m.t === 'logs') unpackLines(m, (hit) => joined.push(`${hit.key}:${hit.message}`));
  assert.deepEqual(joined, ['1:just text', '2:y', '3:formatted whole']);
});

test('a line whose key is past what the header holds is written wide, and it and the lines after it read as written', () => {
  const format = compileTemplate(checkTemplate('{x} and {y}').parts, ['x', 'y'], () => {}, text);
  const sent: ToWorker[][] = [];
  const batch = new HitBatch((messages) => sent.push(structuredClone(messages)));
  for (const [key, trace] of [
    [5, undefined],
    [KEY_LIMIT + 9, TRACE],
    [KEY_LIMIT + 11, TRACE],
    [KEY_LIMIT + 10, undefined],
    [6, TRACE],
  ] as const) {
    packed(batch, format, { values: [key, 'z'], self: undefined }, key, key, true, false, trace, false);
    batch.kept();
  }
  batch.log(KEY_LIMIT * 4, 1, 'formatted whole', false, true, TRACE);
  batch.flush();
  const joined: string[] = [];
  for (const m of sent.flat())
    if (m.t === 'logs') unpackLines(m, (h) => joined.push(`${h.key} ${h.time} ${h.message} ${h.emitted} ${h.live} ${h.traceId}`));
  assert.deepEqual(joined, [
    '5 5 5 and z true false undefined',
    `${KEY_LIMIT + 9} ${KEY_LIMIT + 9} ${KEY_LIMIT + 9} and z true false ${TRACE.traceId}`,
    `${KEY_LIMIT + 11} ${KEY_LIMIT + 11} ${KEY_LIMIT + 11} and z true false ${TRACE.traceId}`,
    `${KEY_LIMIT + 10} ${KEY_LIMIT + 10} ${KEY_LIMIT + 10} and z true false undefined`,
    `6 6 6 and z true false ${TRACE.traceId}`,
    `${KEY_LIMIT * 4} 1 formatted whole false true ${TRACE.traceId}`,
  ]);
});

test('a line packed straight into the batch and refused (over its byte quota) leaves the batch as it was', () => {
  const format = compileTemplate(checkTemplate('{n} by {user}').parts, ['n', 'user'], () => {}, text);
  const sent: ToWorker[][] = [];
  const batch = new HitBatch((messages) => sent.push(structuredClone(messages)));
  const line = (n: number, user: string, keep: boolean) => {
    const length = packed(batch, format, { values: [n, user], self: undefined }, n, n, false, true, TRACE, true);
    assert.equal(length, `${n} by ${user}`.length);
    if (keep) batch.kept();
    else batch.refused();
  };
  line(1, 'ann', true);
  line(2, 'refused', false);
  line(3, 'bo', true);
  line(4, 'refused too', false);
  batch.flush();
  const joined: string[] = [];
  for (const m of sent.flat()) if (m.t === 'logs') unpackLines(m, (hit) => joined.push(`${hit.key}:${hit.message}:${hit.traceId}`));
  assert.deepEqual(joined, [`1:1 by ann:${TRACE.traceId}`, `3:3 by bo:${TRACE.traceId}`]);
  const logs = sent.flat().find((m): m is PackedLogs => m.t === 'logs')!;
  assert.equal(logs.texts.length, 6, 'no text of a refused line stays behind');
});

test('shared memory: a batch never writes over one the worker has not read; with every segment held it takes its own buffer, and nothing is lost', () => {
  const format = compileTemplate(checkTemplate('line {n}').parts, ['n'], () => {}, text);
  const sent: PackedLogs[] = [];
  const batch = new HitBatch((messages) => {
    for (const m of structuredClone(messages)) if (m.t === 'logs') sent.push(m);
  }, true);
  let n = 0;
  /** One batch of `lines` lines, sent. */
  const send = (lines: number) => {
    for (let i = 0; i < lines; i++, n++) {
      packed(batch, format, { values: [n], self: undefined }, 1, n, false, true, undefined, false);
      batch.kept();
    }
    batch.flush();
  };
  const read = (m: PackedLogs) => {
    const lines: string[] = [];
    unpackLines(m, (hit) => lines.push(hit.message));
    return lines;
  };
  const lines = (from: number, count: number) => Array.from({ length: count }, (_, i) => `line ${from + i}`);

  // The worker reads nothing yet: the first batches take the shared segments, the rest their own buffers.
  for (let b = 0; b < 6; b++) send(100);
  const shared = sent.filter((m) => m.release !== undefined);
  assert.ok(shared.length >= 1 && shared.length < 6, `${shared.length} of 6 batches in shared memory`);
  assert.ok(
    sent.slice(shared.length).every((m) => m.release === undefined),
    'once every segment is held, batches bring their own',
  );
  for (const m of shared) assert.equal(Atomics.load(m.release!, 0), 1, 'a segment in use is marked so');
  sent.forEach((m, b) => assert.deepEqual(read(m), lines(b * 100, 100)));

  // The worker hands one segment back: the next batch writes there, and the batches still held read as they did.
  const first = shared[0]!;
  Atomics.store(first.release!, 0, 0);
  send(100);
  const reused = sent.at(-1)!;
  assert.ok(reused.release !== undefined, 'the segment handed back is written again');
  assert.deepEqual(read(reused), lines(600, 100));
  assert.deepEqual(read(first), lines(600, 100), 'the same memory: the first batch, read again, shows the new lines');
  for (const m of shared.slice(1)) assert.deepEqual(read(m), lines(sent.indexOf(m) * 100, 100), 'a held segment was not written over');

  // Lines overflowing the segment move the batch to its own buffer and free the segment at once.
  for (const m of shared) Atomics.store(m.release!, 0, 0);
  // Short lines up to just under where a batch in a segment leaves (32,768 numbers, three a line)…
  for (let i = 0; i < 10922; i++, n++) {
    packed(batch, format, { values: [n], self: undefined }, 1, n, false, true, undefined, false);
    batch.kept();
  }
  const short = lines(n - 10922, 10922);
  // …then the longest template an action may have: seven such lines do not fit the rest of a segment.
  const wide = compileTemplate(checkTemplate('{n}'.repeat(1333)).parts, ['n'], () => {}, text);
  for (let i = 1; i <= 7; i++) {
    packed(batch, wide, { values: [i], self: undefined }, 1, i, false, true, undefined, false);
    batch.kept();
  }
  batch.flush();
  // The batch leaves as the first wide line passes the limit; the others start the next one, in a segment again.
  const grown = sent.at(-2)!;
  assert.equal(grown.release, undefined);
  assert.deepEqual(read(grown), [...short, '1'.repeat(1333)]);
  assert.ok(sent.at(-1)!.release !== undefined);
  assert.deepEqual(
    read(sent.at(-1)!),
    [2, 3, 4, 5, 6, 7].map((i) => String(i).repeat(1333)),
  );
  send(1);
  assert.ok(sent.at(-1)!.release !== undefined, 'the segment it left is free again');
});

test('a hot loop: a batch in a shared segment leaves at 32,768 numbers, one in a buffer of its own (no shared memory, or every segment held) at 8,192', () => {
  const format = compileTemplate(checkTemplate('line {n}').parts, ['n'], () => {}, text);
  /** Lines of three numbers each written until a batch leaves on its own: how many numbers it had, and whether it was shared. */
  const firstBatch = (batch: HitBatch, sent: PackedLogs[]): [number, boolean] => {
    const before = sent.length;
    for (let n = 0; sent.length === before; n++) {
      packed(batch, format, { values: [n], self: undefined }, 1, n, false, true, undefined, false);
      batch.kept();
    }
    const batchSent = sent.at(-1)!;
    return [batchSent.numbers.length, batchSent.release !== undefined];
  };
  const collect = (sent: PackedLogs[]) => (messages: ToWorker[]) => {
    for (const m of structuredClone(messages)) if (m.t === 'logs') sent.push(m);
  };
  const own: PackedLogs[] = [];
  assert.deepEqual(firstBatch(new HitBatch(collect(own), false), own), [8193, false]);
  const shared: PackedLogs[] = [];
  const batch = new HitBatch(collect(shared), true);
  // The worker reads none of them: four segments, then buffers of the batches' own.
  for (let b = 0; b < 4; b++) assert.deepEqual(firstBatch(batch, shared), [32769, true]);
  assert.deepEqual(firstBatch(batch, shared), [8193, false]);
});

test('a line that reads the same object hit after hit still refuses a Proxy in its place and a getter it gains, running neither', () => {
  // readNamed remembers the last object it found to be no Proxy (safe-read.ts): each hit here
  // changes what that object, or the value in its place, is.
  const checked = checkTemplate('order {order.id} pw {order.password}');
  const compiled = compileTemplate(checked.parts, checked.roots, () => {}, text);
  const sent: ToWorker[][] = [];
  const batch = new HitBatch((messages) => sent.push(structuredClone(messages)), true);
  const order: { id: unknown; password: string } = { id: 7, password: 'hunter2' };
  let trapRuns = 0;
  let getterRuns = 0;
  // Every trap counts its runs: a handler whose traps are themselves read through a Proxy.
  const proxied = new Proxy(order, new Proxy({}, { get: () => (trapRuns++, undefined) }));
  const hits: unknown[] = [];
  const hit = (value: unknown): void => {
    packed(batch, compiled, { values: [value], self: undefined }, 7, 1000 + hits.length, false, true, undefined, true);
    batch.kept();
    hits.push(value);
  };
  hit(order);
  hit(order);
  hit(proxied);
  hit(order);
  order.id = 'seven';
  hit(order);
  Object.defineProperty(order, 'id', {
    get() {
      getterRuns++;
      return 8;
    },
  });
  hit(order);
  batch.flush();
  // After the batch left, the object is no longer remembered: the same reads, checked afresh.
  hit(proxied);
  hit(order);
  batch.flush();
  const joined: HitOutput[] = [];
  for (const messages of sent) for (const m of messages) if (m.t === 'logs') unpackLines(m as PackedLogs, (line) => joined.push(line));
  const proxy = 'order <`order.id`: the value is a Proxy; liveprobe never reads through proxies> pw [REDACTED]';
  const getter = 'order <`order.id` is a getter; liveprobe never runs getters> pw [REDACTED]';
  assert.deepEqual(
    joined.map((line) => line.message),
    ['order 7 pw [REDACTED]', 'order 7 pw [REDACTED]', proxy, 'order 7 pw [REDACTED]', 'order seven pw [REDACTED]', getter, proxy, getter],
  );
  assert.equal(trapRuns, 0, 'no Proxy trap ran');
  assert.equal(getterRuns, 0, 'no getter ran');
});

test("a prepared line's compiled writer hands each value its guards do not pass to the general path, which shows it as before", () => {
  // compile.ts's writer reads `{order.id}` and `{total}` inline from a site's pass (root r at
  // pass[slots[r]]), and only while the root is an object that is no Proxy, the key an own data
  // property and the value a number printed as it is: each hit below fails one of those guards.
  const checked = checkTemplate('order {order.id} total {total} user {user}');
  const compiled = compileTemplate(checked.parts, checked.roots, () => {}, text);
  const sent: ToWorker[][] = [];
  const batch = new HitBatch((messages) => sent.push(structuredClone(messages)), true);
  const slots = Int32Array.from(checked.roots, (_, r) => 2 + r);
  let trapRuns = 0;
  let getterRuns = 0;
  const traps = new Proxy({}, { get: () => (trapRuns++, undefined) });
  const order: Record<string, unknown> = { id: 7 };
  const cycle: Record<string, unknown> = { name: 'loop' };
  cycle.self = cycle;
  const whole: string[] = [];
  const hit = (scope: { order: unknown; total: unknown; user?: unknown }): void => {
    const values = checked.roots.map((root) => scope[root as keyof typeof scope]);
    whole.push(compiled({ values, self: undefined }));
    const pass = [0, undefined, ...values];
    const length = batch.packedLine(
      compiled,
      pass,
      undefined,
      7,
      headerOf(compiled.id, 7, lineFlags(false, true)),
      1000,
      undefined,
      true,
      slots,
    );
    assert.equal(length > 0, true);
    batch.kept();
  };
  hit({ order, total: 3 });
  hit({ order: { id: 'seven' }, total: 'three' });
  hit({ order: { id: 'x'.repeat(100_000) }, total: 4 });
  hit({ order: new Proxy({ id: 9 }, traps), total: new Proxy({ n: 1 }, traps) });
  Object.defineProperty(order, 'id', {
    get() {
      getterRuns++;
      return 8;
    },
  });
  hit({ order, total: 5 });
  hit({ order: Object.create({ id: 10 }), total: 0 });
  hit({
    order: Object.create({
      get id() {
        getterRuns++;
        return 11;
      },
    }),
    total: -0,
  });
  hit({ order: { id: 4111111111111111 }, total: 1n });
  hit({ order: { id: true }, total: null, user: { name: 'ann', password: 'hunter2', self: cycle } });
  hit({ order: 'text', total: Number.NaN });
  batch.flush();
  const joined: HitOutput[] = [];
  for (const messages of sent) for (const m of messages) if (m.t === 'logs') unpackLines(m as PackedLogs, (line) => joined.push(line));
  const messages = joined.map((line) => line.message);
  assert.deepEqual(messages.slice(0, 2), ['order 7 total 3 user undefined', 'order seven total three user undefined']);
  // A huge string is bounded as on the general path.
  assert.equal(messages[2], `order ${'x'.repeat(256)}…(+99744 chars) total 4 user undefined`);
  assert.deepEqual(messages.slice(3), [
    'order <`order.id`: the value is a Proxy; liveprobe never reads through proxies> total [Proxy] user undefined',
    'order <`order.id` is a getter; liveprobe never runs getters> total 5 user undefined',
    'order 10 total 0 user undefined',
    'order <`order.id` is a getter; liveprobe never runs getters> total -0 user undefined',
    'order [REDACTED] total 1n user undefined',
    'order true total null user { name: "ann", password: [REDACTED], self: { name: "loop", self: [Circular] } }',
    'order undefined total NaN user undefined',
  ]);
  // Each reads as the line formatted whole on the app's thread (the general path alone).
  assert.deepEqual(messages, whole);
  assert.equal(trapRuns, 0, 'no Proxy trap ran');
  assert.equal(getterRuns, 0, 'no getter ran');
});
