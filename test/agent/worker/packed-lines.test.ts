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
import { HitBatch } from '../../../agent/src/main/hit-batch.js';
import { Redaction } from '../../../agent/src/main/redaction.js';
import { DEFAULT_CAPTURE_LIMITS } from '../../../agent/src/settings/capture-settings.js';
import { DEFAULT_PATTERNS, DEFAULT_REDACTED_KEYS } from '../../../agent/src/settings/redaction-settings.js';
import { unpackLines } from '../../../agent/src/worker/packed-lines.js';

const text: TextOptions = {
  limits: DEFAULT_CAPTURE_LIMITS,
  redaction: new Redaction({ keys: [...DEFAULT_REDACTED_KEYS], patterns: [...DEFAULT_PATTERNS], regexes: [], exactKeys: [] }),
};

const TRACE = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };

/** Each scope through both paths; returns [formatted on the main thread, joined in the worker]. */
function bothWays(template: string, scopes: Record<string, unknown>[], json: boolean): [string[], HitOutput[]] {
  const checked = checkTemplate(template);
  const errors: string[] = [];
  const compiled = compileTemplate(checked.parts, checked.roots, (m) => errors.push(m), text);
  const sent: ToWorker[][] = [];
  const batch = new HitBatch((messages) =>
    sent.push(json ? (JSON.parse(JSON.stringify(messages, toArray)) as ToWorker[]) : structuredClone(messages)),
  );
  const whole: string[] = [];
  const values: (number | string)[] = [];
  scopes.forEach((scope, i) => {
    const frame = { values: checked.roots.map((r) => scope[r]), self: undefined };
    whole.push(compiled(frame));
    const length = compiled.values(frame, values);
    assert.equal(length >= whole[i]!.length, true, `the length counted for ${whole[i]} covers it`);
    batch.line(compiled, values, compiled.pieces.length - 1, 7, 1000 + i, i % 3 === 0, i % 2 === 0, i % 4 === 1 ? TRACE : undefined);
  });
  batch.flush();
  const joined: HitOutput[] = [];
  for (const messages of sent) for (const m of messages) if (m.t === 'logs') unpackLines(m as PackedLogs, (hit) => joined.push(hit));
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

for (const json of [false, true]) {
  test(`a line joined in the worker reads exactly as the line formatted on the app's thread${json ? ', through JSON (attach)' : ''}`, () => {
    const [whole, joined] = bothWays('order {order.id} total {order.total} paid {order.paid} by {user} n={n}; {{literal}}', SCOPES, json);
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
        const [whole, joined] = bothWays('{a} and {b}{a}', scopes, false);
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
  const values: (number | string)[] = [];
  plain.values({ values: [], self: undefined }, values);
  batch.line(plain, values, 0, 1, 1, false, true, undefined);
  other.values({ values: ['y'], self: undefined }, values);
  batch.line(other, values, 1, 2, 2, false, true, undefined);
  batch.log(3, 3, 'formatted whole', true, true, undefined);
  batch.flush();
  const joined: string[] = [];
  for (const m of sent.flat()) if (m.t === 'logs') unpackLines(m, (hit) => joined.push(`${hit.key}:${hit.message}`));
  assert.deepEqual(joined, ['1:just text', '2:y', '3:formatted whole']);
});
