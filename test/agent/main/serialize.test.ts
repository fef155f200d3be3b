import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CapturedValue } from '@liveprobe/protocol';
import { Redaction } from '../../../agent/src/main/redaction.js';
import { CaptureBudget, renderValue, serialize, shortStringText } from '../../../agent/src/main/serialize.js';
import { DEFAULT_CAPTURE_LIMITS, type CaptureLimits } from '../../../agent/src/settings/capture-settings.js';
import { DEFAULT_PATTERNS, DEFAULT_REDACTED_KEYS } from '../../../agent/src/settings/redaction-settings.js';
import { build, fingerprint, sameFingerprint, shape } from './trap-graph.js';

const capture = (value: unknown, limits: CaptureLimits = DEFAULT_CAPTURE_LIMITS, redaction?: Redaction): CapturedValue =>
  serialize(value, limits, new CaptureBudget(limits.totalBytes), redaction);
const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));
const redaction = new Redaction({
  keys: [...DEFAULT_REDACTED_KEYS],
  patterns: [...DEFAULT_PATTERNS, 'email'],
  regexes: [],
  exactKeys: ['dbConfig'],
});

test('primitives keep what JSON would lose: -0, NaN, Infinity, bigints and symbols travel as text', () => {
  assert.deepEqual(capture(-0), { t: 'number', v: '-0' });
  assert.deepEqual(capture(Number.NaN), { t: 'number', v: 'NaN' });
  assert.deepEqual(capture(-Infinity), { t: 'number', v: '-Infinity' });
  assert.deepEqual(capture(12.5), { t: 'number', v: 12.5 });
  assert.deepEqual(capture(2n ** 70n), { t: 'bigint', v: '1180591620717411303424' });
  assert.deepEqual(capture(Symbol('id')), { t: 'symbol', v: 'Symbol(id)' });
  assert.deepEqual(capture(undefined), { t: 'undefined' });
  assert.deepEqual(capture(null), { t: 'null' });
  assert.deepEqual(capture(true), { t: 'boolean', v: true });
});

test('long strings are cut with their original length, and the cut shows when rendered', () => {
  const value = capture('x'.repeat(1000));
  assert.deepEqual(value, { t: 'string', v: 'x'.repeat(256), len: 1000 });
  assert.equal(renderValue(value), `${'x'.repeat(256)}…(+744 chars)`);
  assert.equal(renderValue(capture({ s: 'abc' })), '{ s: "abc" }', 'strings are quoted inside structures');
  assert.equal(renderValue(capture('abc')), 'abc', 'and bare at the top level');
});

test('collections: Map, Set, arrays (sparse and huge), typed arrays and Buffer show their size and what was left out', () => {
  const map = new Map<unknown, unknown>([
    ['a', 1],
    [{ k: 1 }, [1, 2]],
  ]);
  assert.deepEqual(capture(map), {
    t: 'map',
    size: 2,
    entries: [
      [
        { t: 'string', v: 'a' },
        { t: 'number', v: 1 },
      ],
      [
        { t: 'object', props: [['k', { t: 'number', v: 1 }]] },
        {
          t: 'array',
          len: 2,
          items: [
            { t: 'number', v: 1 },
            { t: 'number', v: 2 },
          ],
        },
      ],
    ],
  });
  assert.deepEqual(capture(new Set(['x'])), { t: 'set', size: 1, items: [{ t: 'string', v: 'x' }] });
  // eslint-disable-next-line no-sparse-arrays
  assert.deepEqual(capture([1, , 3]), { t: 'array', len: 3, items: [{ t: 'number', v: 1 }, { t: 'hole' }, { t: 'number', v: 3 }] });
  const huge = new Array(2 ** 32 - 1);
  const hugeValue = capture(huge) as Extract<CapturedValue, { t: 'array' }>;
  assert.equal(hugeValue.len, 2 ** 32 - 1);
  assert.equal(hugeValue.items.length, 20);
  assert.equal(hugeValue.more, 2 ** 32 - 1 - 20);
  assert.match(renderValue(hugeValue), /…\+4294967275 more\]$/);
  const many = capture(Array.from({ length: 100 }, (_, i) => i));
  assert.equal(renderValue(many), `[${Array.from({ length: 20 }, (_, i) => i).join(', ')}, …+80 more]`);
  assert.deepEqual(capture(Buffer.from('hi')), { t: 'typedarray', cls: 'Buffer', len: 2, items: [104, 105] });
  assert.deepEqual(capture(new Float64Array([1, Number.NaN])), { t: 'typedarray', cls: 'Float64Array', len: 2, items: [1, 'NaN'] });
  assert.deepEqual(capture(new BigInt64Array([-5n])), { t: 'typedarray', cls: 'BigInt64Array', len: 1, items: ['-5'] });
  assert.deepEqual(capture(new ArrayBuffer(8)), { t: 'object', cls: 'ArrayBuffer', props: [['byteLength', { t: 'number', v: 8 }]] });
});

test('dates, regexps, errors with their stack, boxed primitives, functions and class instances', () => {
  assert.deepEqual(capture(new Date(0)), { t: 'date', v: '1970-01-01T00:00:00.000Z' });
  assert.deepEqual(capture(new Date(Number.NaN)), { t: 'date', v: 'Invalid Date' });
  assert.deepEqual(capture(/a+b/giu), { t: 'regexp', v: '/a+b/giu' });
  const error = Object.assign(new RangeError('too far'), { code: 'E_FAR' });
  // The test runner (tsx) installs a stack formatter, which the serializer would refuse to run.
  const formatter = Error.prepareStackTrace;
  Reflect.deleteProperty(Error, 'prepareStackTrace');
  let captured: Extract<CapturedValue, { t: 'error' }>;
  try {
    captured = capture(error) as Extract<CapturedValue, { t: 'error' }>;
  } finally {
    Error.prepareStackTrace = formatter;
  }
  assert.equal(captured.cls, 'RangeError');
  assert.equal(captured.message, 'too far');
  assert.match(captured.stack ?? '', /^RangeError: too far\n\s+at /);
  assert.deepEqual(captured.props, [['code', { t: 'string', v: 'E_FAR' }]]);
  assert.equal(renderValue(captured), 'RangeError: too far');
  assert.deepEqual(capture(new Number(5)), { t: 'object', cls: 'Number', props: [['[[PrimitiveValue]]', { t: 'number', v: 5 }]] });
  assert.equal(renderValue(capture(new String('s'))), '[String: "s"]');
  assert.deepEqual(
    capture(function handler() {}),
    { t: 'function', name: 'handler' },
  );
  assert.deepEqual(
    capture(async () => {}),
    { t: 'function', name: '', cls: 'AsyncFunction' },
  );
  class Order {
    id = 7;
  }
  assert.deepEqual(capture(new Order()), { t: 'object', cls: 'Order', props: [['id', { t: 'number', v: 7 }]] });
  assert.deepEqual(capture(Object.create(null)), { t: 'object', props: [] });
});

test('getters, setters and proxies are shown as markers and never run', () => {
  let ran = 0;
  const object = {
    get computed() {
      ran++;
      return 1;
    },
    set onlySet(_v: number) {
      ran++;
    },
    proxy: new Proxy(
      {},
      {
        get: () => ran++,
        ownKeys: () => {
          ran++;
          return [];
        },
      },
    ),
  };
  assert.deepEqual(capture(object), {
    t: 'object',
    props: [
      ['computed', { t: 'getter' }],
      ['onlySet', { t: 'getter' }],
      ['proxy', { t: 'proxy' }],
    ],
  });
  assert.equal(ran, 0);
  assert.equal(renderValue(capture(object)), '{ computed: [Getter], onlySet: [Getter], proxy: [Proxy] }');
});

test('cycles are marked, depth is bounded, and both are visible', () => {
  const a: Record<string, unknown> = { name: 'a' };
  a.self = a;
  assert.deepEqual(capture(a), {
    t: 'object',
    props: [
      ['name', { t: 'string', v: 'a' }],
      ['self', { t: 'circular' }],
    ],
  });
  const deep = { l1: { l2: { l3: { l4: 1 } } } };
  assert.equal(renderValue(capture(deep)), '{ l1: { l2: { l3: [Object] } } }');
  const shared = { x: 1 };
  assert.equal(renderValue(capture([shared, shared])), '[{ x: 1 }, { x: 1 }]', 'a value seen twice side by side is not a cycle');
});

test('properties beyond the limit are counted, not dropped silently', () => {
  const wide = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i]));
  const value = capture(wide, { ...DEFAULT_CAPTURE_LIMITS, properties: 5 }) as Extract<CapturedValue, { t: 'object' }>;
  assert.equal(value.props.length, 5);
  assert.equal(value.more, 25);
  assert.match(renderValue(value), /k4: 4, …\+25 more }$/);
  const budget = new CaptureBudget(100_000);
  serialize(wide, { ...DEFAULT_CAPTURE_LIMITS, properties: 5 }, budget);
  assert.equal(budget.truncated, true);
});

test('one budget is shared by all the values of a capture, and its bytes bound the JSON', () => {
  const limits = { ...DEFAULT_CAPTURE_LIMITS, totalBytes: 600 };
  const budget = new CaptureBudget(limits.totalBytes);
  const values = Array.from({ length: 10 }, (_, i) => serialize({ i, text: 'y'.repeat(100) }, limits, budget));
  const spent = values.reduce((sum, v) => sum + jsonBytes(v), 0);
  assert.ok(budget.used <= 600, `used ${budget.used}`);
  assert.ok(spent <= budget.used + 17 * values.filter((v) => v.t === 'truncated').length, `spent ${spent}, used ${budget.used}`);
  assert.ok(
    values.some((v) => v.t === 'truncated'),
    'later values are cut once the budget is spent',
  );
  assert.equal(budget.truncated, true);
  assert.equal(renderValue(values.at(-1)!), '…');
});

test('redaction hides secret keys anywhere in a value, blocked variable names, and card numbers, tokens and emails inside strings', () => {
  const request = {
    user: { id: 1, password: 'hunter2', apiKey: 'k-123', profile: { 'x-api-key': 'k', email: 'ann@example.com' } },
    headers: new Map([
      ['authorization', 'Bearer abc'],
      ['accept', 'json'],
    ]),
    note: 'card 4111 1111 1111 1111 exp 12/30, auth Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc',
    order: 4111111111111112,
    dbConfig: { host: 'db' },
  };
  const text = renderValue(serialize(request, DEFAULT_CAPTURE_LIMITS, new CaptureBudget(16384), redaction));
  for (const secret of ['hunter2', 'k-123', 'ann@example.com', 'Bearer abc', '4111 1111', 'eyJhbGci', 'db"']) {
    assert.ok(!text.includes(secret), `${secret} leaked in ${text}`);
  }
  assert.match(text, /password: \[REDACTED\]/);
  assert.match(text, /"authorization" => \[REDACTED\]/);
  assert.match(text, /note: "card \[REDACTED\] exp 12\/30, auth Bearer \[REDACTED\]"/);
  assert.match(text, /dbConfig: \[REDACTED\]/);
  assert.match(text, /"accept" => "json"/);
});

test('a card number split by the string limit is redacted before the cut, so no half of it shows', () => {
  const text = `${'a'.repeat(250)}4111111111111111`;
  const value = capture(text, DEFAULT_CAPTURE_LIMITS, redaction);
  assert.ok(value.t === 'string' && !value.v.includes('411111'), JSON.stringify(value));
});

test('an error whose name is a getter keeps its stack unread, since formatting it would run the getter', () => {
  let ran = 0;
  class Custom extends Error {
    override get name(): string {
      ran++;
      return 'Custom';
    }
  }
  const formatter = Error.prepareStackTrace;
  Reflect.deleteProperty(Error, 'prepareStackTrace');
  try {
    const value = capture(new Custom('m')) as Extract<CapturedValue, { t: 'error' }>;
    assert.equal(ran, 0);
    assert.match(value.stack ?? '', /name or message is a getter/);
    assert.equal(value.cls, 'Custom', 'the class name stands in for the name getter');
  } finally {
    Error.prepareStackTrace = formatter;
  }
});

test('an app formatter in Error.prepareStackTrace is never run: the stack says why it is missing', () => {
  let formatted = 0;
  const saved = Error.prepareStackTrace;
  Error.prepareStackTrace = () => {
    formatted++;
    return 'custom';
  };
  try {
    const value = capture(new Error('x')) as Extract<CapturedValue, { t: 'error' }>;
    assert.equal(formatted, 0);
    assert.match(value.stack ?? '', /Error\.prepareStackTrace is set/);
  } finally {
    Error.prepareStackTrace = saved;
  }
});

test('built-ins the app replaces after the agent loaded are not the ones the serializer calls', () => {
  const calls: string[] = [];
  const mapIteratorProto = Object.getPrototypeOf(new Map().entries()) as { next: unknown };
  const patches: [object, PropertyKey][] = [
    [Map.prototype, 'entries'],
    [Set.prototype, 'values'],
    [mapIteratorProto, 'next'],
    [Object, 'keys'],
    [Date.prototype, 'toISOString'],
    [Symbol.prototype, 'toString'],
    [JSON, 'stringify'],
    [String.prototype, 'slice'],
  ];
  const saved = patches.map(([target, key]) => Object.getOwnPropertyDescriptor(target, key)!);
  try {
    for (const [target, key] of patches) {
      const original = (target as Record<PropertyKey, (...args: unknown[]) => unknown>)[key]!;
      Object.defineProperty(target, key, {
        configurable: true,
        writable: true,
        value: function (this: unknown, ...args: unknown[]) {
          calls.push(String(key));
          return Reflect.apply(original, this, args);
        },
      });
    }
    const value = serialize(
      { m: new Map([[1, 2]]), s: new Set([3]), d: new Date(0), y: Symbol('q'), long: 'z'.repeat(300) },
      DEFAULT_CAPTURE_LIMITS,
      new CaptureBudget(16384),
      redaction,
    );
    for (const [target, key] of patches)
      Object.defineProperty(target, key, saved[patches.findIndex(([t, k]) => t === target && k === key)]!);
    assert.deepEqual(calls, []);
    assert.equal(value.t, 'object');
  } finally {
    patches.forEach(([target, key], i) => Object.defineProperty(target, key, saved[i]!));
  }
});

const limitsArbitrary: fc.Arbitrary<CaptureLimits> = fc.record({
  depth: fc.integer({ min: 1, max: 6 }),
  properties: fc.integer({ min: 1, max: 30 }),
  items: fc.integer({ min: 1, max: 30 }),
  stringLength: fc.integer({ min: 1, max: 400 }),
  totalBytes: fc.integer({ min: 17, max: 20_000 }),
});

test('property: over thousands of trap-filled graphs, no trap fires, nothing throws, nothing changes, and the JSON stays within the byte limit', () => {
  fc.assert(
    fc.property(shape, limitsArbitrary, fc.boolean(), (s, limits, redact) => {
      const graph = build(s);
      const before = graph.inspectable.map(fingerprint);
      const budget = new CaptureBudget(limits.totalBytes);
      const value = serialize(graph.root, limits, budget, redact ? redaction : undefined);
      assert.deepEqual(graph.fired, [], 'a trap fired');
      graph.inspectable.forEach((o, i) => assert.ok(sameFingerprint(before[i]!, fingerprint(o)), 'an object changed'));
      const bytes = jsonBytes(value);
      assert.ok(bytes <= limits.totalBytes, `${bytes} bytes > ${limits.totalBytes}`);
      assert.ok(budget.used <= limits.totalBytes && bytes <= Math.max(budget.used, 17), `used ${budget.used}, actual ${bytes}`);
      assert.ok(CapturedValue.safeParse(value).success, `not a valid CapturedValue: ${JSON.stringify(value)}`);
      assert.equal(typeof renderValue(value), 'string');
    }),
    { numRuns: 3000 },
  );
});

test("a log line's string placeholder, taken the short way, reads and spends exactly as the serializer's node", () => {
  const redaction = new Redaction({ keys: [...DEFAULT_REDACTED_KEYS], patterns: [...DEFAULT_PATTERNS], regexes: [], exactKeys: [] });
  const secrets = fc.constantFrom(
    'Authorization: Bearer abcdefgh12345678',
    'card 4111 1111 1111 1111',
    'ann@example.com',
    'https://u:hunter2@db.internal/x?token=abc&page=2',
    'eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl',
    '"quoted" \\ back\nslash \u0000',
  );
  let compared = 0;
  fc.assert(
    fc.property(
      fc
        .array(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 40 }), secrets), { maxLength: 4 })
        .map((parts) => parts.join(' ')),
      fc.integer({ min: 0, max: 2000 }),
      fc.integer({ min: 0, max: 1500 }),
      fc.boolean(),
      (text, totalBytes, alreadyUsed, redact) => {
        const limits = { ...DEFAULT_CAPTURE_LIMITS, totalBytes };
        const short = new CaptureBudget(totalBytes);
        const whole = new CaptureBudget(totalBytes);
        short.spend(alreadyUsed);
        whole.spend(alreadyUsed);
        const quick = shortStringText(text, limits, short, redact ? redaction : undefined);
        const expected = renderValue(serialize(text, limits, whole, redact ? redaction : undefined));
        if (quick === undefined) return;
        compared++;
        assert.equal(quick, expected);
        assert.deepEqual([short.used, short.truncated], [whole.used, whole.truncated]);
      },
    ),
    { numRuns: 500 },
  );
  assert.ok(compared > 100, `only ${compared} strings took the short way`);
});
