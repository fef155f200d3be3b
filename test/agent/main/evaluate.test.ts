import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkExpression, checkTemplate, MAX_EXPRESSION_LENGTH } from '@liveprobe/protocol';
import { compileExpression, compileTemplate, type Frame, type TextOptions } from '../../../agent/src/main/compile.js';
import { Redaction } from '../../../agent/src/main/redaction.js';
import {
  GLOBAL_GETTER,
  LEFT_BLOCK,
  markerReason,
  NOT_AVAILABLE,
  NOT_INITIALISED,
  NOT_INITIALISED_AT_SITE,
  NOT_PASSED,
} from '../../../agent/src/main/frame-markers.js';
import { ProbeEvalError } from '../../../agent/src/main/safe-read.js';
import { DEFAULT_CAPTURE_LIMITS } from '../../../agent/src/settings/capture-settings.js';
import { DEFAULT_PATTERNS, DEFAULT_REDACTED_KEYS } from '../../../agent/src/settings/redaction-settings.js';
import { build, fingerprint, sameFingerprint, shape, TEMPTING_KEYS } from './trap-graph.js';

const text: TextOptions = {
  limits: DEFAULT_CAPTURE_LIMITS,
  redaction: new Redaction({ keys: [...DEFAULT_REDACTED_KEYS], patterns: [...DEFAULT_PATTERNS], regexes: [], exactKeys: [] }),
};

/** Evaluates `source` with the named values in scope, as a breakpoint condition would. */
function evaluate(source: string, scope: Record<string, unknown>, self?: unknown): unknown {
  const checked = checkExpression(source);
  return compileExpression(checked.expr, checked.roots, text)({ values: checked.roots.map((r) => scope[r]), self });
}

function evaluationError(source: string, scope: Record<string, unknown>): string {
  try {
    evaluate(source, scope);
  } catch (err) {
    assert.ok(err instanceof ProbeEvalError, String(err));
    return err.message;
  }
  assert.fail(`${source} did not fail`);
}

function format(template: string, scope: Record<string, unknown>): { line: string; errors: string[] } {
  const checked = checkTemplate(template);
  const errors: string[] = [];
  const line = compileTemplate(
    checked.parts,
    checked.roots,
    (m) => errors.push(m),
    text,
  )({ values: checked.roots.map((r) => scope[r]), self: undefined });
  return { line, errors };
}

test('reads walk own data properties up the prototype chain; built-in slot getters such as map.size and buf.length are allowed', () => {
  class Base {
    kind = 'base';
  }
  const order = Object.assign(Object.create({ inherited: 'yes' }) as object, { id: 7, items: [{ sku: 'tea' }] });
  assert.equal(evaluate('order.id', { order }), 7);
  assert.equal(evaluate('order.inherited', { order }), 'yes');
  assert.equal(evaluate('order.items[0].sku', { order }), 'tea');
  assert.equal(evaluate('order["id"] + 1', { order }), 8);
  assert.equal(evaluate('new_.kind', { new_: new Base() }), 'base');
  assert.equal(evaluate('m.size + s.size + b.length', { m: new Map([[1, 1]]), s: new Set([1, 2]), b: Buffer.from('abc') }), 6);
  assert.equal(evaluate('text.length > 2 && text[0] == "a"', { text: 'abc' }), true);
  assert.equal(evaluate('text[99]', { text: 'abc' }), undefined);
  assert.equal(evaluate('user?.address?.city', { user: {} }), undefined);
  assert.equal(evaluate('count == 10n', { count: 10n }), true);
});

test('helpers and methods: len, keys, has, str, startsWith, endsWith, includes', () => {
  const scope = { items: [1, 2, 3], map: new Map([['k', 1]]), user: { id: 1, name: 'ann' }, path: '/api/orders.json' };
  assert.equal(evaluate('len(items) + len(map) + len(user) + len(path)', scope), 3 + 1 + 2 + 16);
  assert.deepEqual(evaluate('keys(user)', scope), ['id', 'name']);
  assert.deepEqual(evaluate('keys(map)', scope), ['k']);
  assert.equal(evaluate('has(user, "name") && has(map, "k") && !has(user, "nope")', scope), true);
  assert.equal(evaluate('str(user)', scope), '{ id: 1, name: "ann" }');
  assert.equal(evaluate('path.startsWith("/api") && path.endsWith(".json") && path.includes("orders")', scope), true);
  assert.equal(evaluate('items.includes(2) && [1, 2].includes(1)', scope), true);
});

test('getters, proxies and conversion hooks never run: the read fails with a message that says why', () => {
  let ran = 0;
  const user = {
    get name() {
      ran++;
      return 'x';
    },
    valueOf() {
      ran++;
      return 1;
    },
    toString() {
      ran++;
      return 'u';
    },
    [Symbol.toPrimitive]() {
      ran++;
      return 2;
    },
  };
  const proxy = new Proxy(
    { id: 1 },
    {
      get: () => ran++,
      getOwnPropertyDescriptor: () => {
        ran++;
        return undefined;
      },
    },
  );
  assert.equal(evaluationError('user.name', { user }), '`user.name` is a getter; liveprobe never runs getters');
  assert.equal(evaluationError('p.id', { p: proxy }), '`p.id`: the value is a Proxy; liveprobe never reads through proxies');
  assert.match(evaluationError('user + 1', { user }), /`\+` needs primitive operands \(numbers, strings, booleans\), got an object/);
  assert.match(evaluationError('user < 1', { user }), /`<` needs primitive operands/);
  assert.match(evaluationError('user == 1', { user }), /`==` between an object and a primitive would convert the object/);
  assert.match(evaluationError('-user', { user }), /`-` needs primitive operands/);
  assert.equal(evaluate('user === user', { user }), true, 'identity needs no conversion');
  assert.equal(evaluate('user == null', { user }), false, 'nor does comparing with null');
  assert.equal(ran, 0);
});

test('an evaluation error names the expression and what was missing', () => {
  assert.equal(evaluationError('user.name', { user: undefined }), '`user.name`: user is undefined');
  assert.equal(evaluationError('order.customer.name', { order: { customer: null } }), '`order.customer.name`: order.customer is null');
  assert.match(evaluationError('a + b', { a: 1n, b: 1 }), /Cannot mix BigInt and other types/);
  assert.match(
    evaluationError('a ** b', { a: 2n, b: 10n ** 9n }),
    /the result would have about 2000000000 bits; a probe computes bigints of at most 65536 bits/,
  );
  assert.match(evaluationError('items[key]', { items: [], key: {} }), /a key must be a string or a number, got an object/);
  assert.match(evaluationError('len(n)', { n: 5 }), /len\(\) needs a string, array, Map, Set or object, got number/);
});

test('redacted names read as [REDACTED] in log lines and refuse every operator, so a condition cannot test them', () => {
  const user = { id: 1, password: 'hunter2', profile: { apiKey: 'k', card: '4111 1111 1111 1111' } };
  const { line } = format('user {user.id} pw {user.password} key {user.profile.apiKey} card {user.profile.card} all {user}', { user });
  assert.equal(
    line,
    'user 1 pw [REDACTED] key [REDACTED] card [REDACTED] all { id: 1, password: [REDACTED], profile: { apiKey: [REDACTED], card: "[REDACTED]" } }',
  );
  assert.equal(format('{password}', { password: 'hunter2' }).line, '[REDACTED]');
  assert.equal(format('{headers[name]}', { headers: { authorization: 'Bearer x' }, name: 'authorization' }).line, '[REDACTED]');
  assert.match(evaluationError('user.password == "hunter2"', { user }), /redacted by the agent's configuration/);
  assert.match(evaluationError('user.password.startsWith("h")', { user }), /redacted/);
  assert.match(evaluationError('len(user.password)', { user }), /redacted/);
  assert.match(evaluationError('user.password.length > 3', { user }), /redacted/);
  assert.equal(evaluate('str(user.password)', { user }), '[REDACTED]');
});

test('a failing placeholder reports its error and the rest of the line is still printed', () => {
  const { line, errors } = format('a={a.b} c={c}', { a: undefined, c: 3 });
  assert.equal(line, 'a=<`a.b`: a is undefined> c=3');
  assert.deepEqual(errors, ['`a.b`: a is undefined']);
});

test('a placeholder that only reads a name and its fields prints and fails as its expression evaluates', () => {
  const user = { name: 'ada', address: { city: 'Paris' }, tags: ['x'], nothing: null };
  let ran = 0;
  const hostile = Object.create(
    Object.defineProperty({}, 'inherited', {
      get: () => ran++,
    }),
  ) as Record<string, unknown>;
  hostile.data = 4;
  Object.defineProperty(hostile, 'own', { get: () => ran++ });
  Object.defineProperty(hostile, 'setOnly', { set: () => ran++ });
  const traps = { get: () => ran++, getOwnPropertyDescriptor: () => (ran++, undefined), getPrototypeOf: () => (ran++, null) };
  const proxy = new Proxy({ id: 1 }, traps);
  const behindProxy = Object.create(new Proxy({ id: 2 }, traps)) as object;
  // One frame: a stack short enough that the line does not cut it.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 1;
  const error = new Error('boom');
  Error.stackTraceLimit = limit;
  const cases: [string, Record<string, unknown>][] = [
    ['user.name', { user }],
    ['user.address.city', { user }],
    ['user.tags.length', { user }],
    ['user.nothing.city', { user }],
    ['user?.address?.city', { user: undefined }],
    ['user?.address.city', { user: undefined }],
    ['user.missing?.city', { user }],
    ['user.missing.city', { user }],
    ['user.name.length', { user }],
    // A path's keys skip readProperty's tests of the key (readNamed): the same refusals still.
    ['hostile.own', { hostile }],
    ['hostile.setOnly', { hostile }],
    ['hostile.inherited', { hostile }],
    ['hostile.data', { hostile }],
    ['proxy.id', { proxy }],
    ['behindProxy.id', { behindProxy }],
    ['error.stack', { error }],
    ['bytes.length', { bytes: new Uint8Array(3) }],
    ['text.length', { text: 'four' }],
    ['text.missing', { text: 'four' }],
  ];
  for (const [source, scope] of cases) {
    let expected: string;
    try {
      expected = String(evaluate(source, scope));
    } catch (err) {
      expected = `<${(err as Error).message}>`;
    }
    assert.equal(format(`{${source}}`, scope).line, expected, source);
    const checked = checkTemplate(`{${source}}`);
    const numbers = new Float64Array(1);
    const texts: string[] = [];
    compileTemplate(checked.parts, checked.roots, () => {}, text).pack(
      checked.roots.map((r) => scope[r]),
      undefined,
      numbers,
      0,
      texts,
      false,
    );
    assert.equal(`${texts[0] ?? numbers[0]!}`, expected, `${source}: its value for the worker`);
  }
  assert.equal(ran, 0);
});

test('a placeholder that is a bare name reads a marker as its message, a getter never, a redacted name hidden, in the line and in its values', () => {
  let ran = 0;
  const order = {
    get total() {
      ran++;
      return 1;
    },
  };
  const cases: [string, unknown, string][] = [
    ['{n}', NOT_INITIALISED, '<`n` is not initialised yet at this line: it is declared further down (a let, const or class)>'],
    ['{n}', NOT_AVAILABLE, '<`n` is not available at this line (not defined here, or not kept by V8 because the function never uses it)>'],
    ['{n}', GLOBAL_GETTER, '<`n` is a getter of the global object; liveprobe never runs getters>'],
    ['{n}', LEFT_BLOCK, `<${markerReason(LEFT_BLOCK, 'n')!}>`],
    ['{n}', NOT_PASSED, `<${markerReason(NOT_PASSED, 'n')!}>`],
    ['{n}', NOT_INITIALISED_AT_SITE, `<${markerReason(NOT_INITIALISED_AT_SITE, 'n')!}>`],
    ['{n}', order, '{ total: [Getter] }'],
    ['{n}', 12.5, '12.5'],
    ['{n}', 'text', 'text'],
    ['{password}', 'hunter2', '[REDACTED]'],
  ];
  for (const [template, value, expected] of cases) {
    const checked = checkTemplate(template);
    const errors: string[] = [];
    const line = compileTemplate(checked.parts, checked.roots, (m) => errors.push(m), text);
    const frame = { values: [value], self: undefined };
    assert.equal(line(frame), expected, template);
    const numbers = new Float64Array(1);
    const texts: string[] = [];
    line.pack(frame.values, frame.self, numbers, 0, texts, false);
    assert.equal(`${texts[0] ?? numbers[0]!}`, expected, `${template}: its value for the worker`);
    assert.equal(errors.length, expected.startsWith('<') ? 2 : 0, `${template}: its error is reported on each path`);
  }
  assert.equal(ran, 0);
});

/** What JavaScript itself makes of `source` over `scope`: its value, or `throws` for a TypeError. */
function javascript(source: string, scope: Record<string, unknown>): unknown {
  try {
    return new Function(...Object.keys(scope), `return (${source});`)(...Object.values(scope)) as unknown;
  } catch (err) {
    assert.ok(err instanceof TypeError, String(err));
    return 'throws';
  }
}

function liveprobe(source: string, scope: Record<string, unknown>): unknown {
  try {
    return evaluate(source, scope);
  } catch (err) {
    assert.ok(err instanceof ProbeEvalError, String(err));
    return 'throws';
  }
}

test('an optional link that meets null or undefined makes the rest of its chain undefined, as in JavaScript', () => {
  const scope = { a: { b: { c: 1 } }, n: null, u: undefined, o: { p: null }, s: 'abc' };
  for (const source of ['n?.b.c', 'n?.b.c.d', 'u?.["x"].y', 'o.p?.q.r', 'n?.x.startsWith("a")', 'n?.length.toFixed', 'a?.b.c']) {
    assert.equal(liveprobe(source, scope), javascript(source, scope), source);
    assert.equal(format(`{${source}}`, scope).line, String(evaluate(source, scope)), `${source} as a placeholder`);
  }
  assert.equal(evaluationError('o.p.q?.r', scope), '`o.p.q`: o.p is null', 'a plain link before the optional one still fails');
});

test('property: a chain of `.` and `?.` over data with holes reads what JavaScript reads, and fails where JavaScript throws', () => {
  const data: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom(null, undefined, 0, 'text'),
      fc.record({ x: tie('node'), y: tie('node') }, { requiredKeys: [] }),
    ),
  })).node;
  const chain = fc.array(fc.tuple(fc.constantFrom('.', '?.'), fc.constantFrom('x', 'y', 'length')), { minLength: 1, maxLength: 5 });
  fc.assert(
    fc.property(data, chain, (root, links) => {
      const source = `v${links.map(([dot, key]) => dot + key).join('')}`;
      const scope = { v: root };
      const expected = javascript(source, scope);
      assert.deepEqual(liveprobe(source, scope), expected, source);
      if (expected !== 'throws') assert.equal(format(`{${source}}`, scope).line, format(`{str(${source})}`, scope).line, source);
    }),
    { numRuns: 2000 },
  );
});

test('all placeholders of one line share the byte budget, so a log line stays bounded', () => {
  const big = Array.from({ length: 50 }, (_, i) => ({ i, text: 'z'.repeat(200) }));
  const { line } = format('{big} {big} {big} {big}', { big });
  assert.ok(line.length < DEFAULT_CAPTURE_LIMITS.totalBytes, `${line.length} characters`);
  assert.ok(line.endsWith('…'), 'the placeholders past the budget show that they were cut');
});

/** Random sources from the whole grammar, over the names v0…v3 and `this`, tempted by trap-laden keys. */
const expressionSource: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => {
  const e = tie('e');
  const key = fc.constantFrom(...TEMPTING_KEYS);
  const literal = fc.oneof(
    fc
      .double()
      .map((n) =>
        Number.isNaN(n)
          ? 'NaN'
          : n === Infinity
            ? 'Infinity'
            : n === -Infinity
              ? '(-Infinity)'
              : `(${Object.is(n, -0) ? '-0' : String(n)})`,
      ),
    fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
    fc.constantFrom('true', 'false', 'null', 'undefined', '10n', '`plain`', '0', '""'),
  );
  return {
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom('v0', 'v1', 'v2', 'v3', 'this'),
      literal,
      fc
        .tuple(e, key, fc.constantFrom('.', '?.'))
        .map(([o, k, dot]) => (/^\d/.test(k) ? `(${o})${dot === '?.' ? '?.' : ''}[${k}]` : `(${o})${dot}${k}`)),
      fc
        .tuple(
          e,
          fc.oneof(
            key.map((k) => JSON.stringify(k)),
            fc.constantFrom('v0', 'v1', '0', '2'),
          ),
        )
        .map(([o, k]) => `(${o})[${k}]`),
      fc.tuple(fc.constantFrom('!', '-', '+', '~', 'typeof '), e).map(([op, a]) => `${op}(${a})`),
      fc
        .tuple(
          e,
          fc.constantFrom(
            '==',
            '!=',
            '===',
            '!==',
            '<',
            '<=',
            '>',
            '>=',
            '+',
            '-',
            '*',
            '/',
            '%',
            '**',
            '&',
            '|',
            '^',
            '<<',
            '>>',
            '>>>',
            '&&',
            '||',
            '??',
          ),
          e,
        )
        .map(([a, op, b]) => `(${a}) ${op} (${b})`),
      fc.tuple(e, e, e).map(([a, b, c]) => `(${a}) ? (${b}) : (${c})`),
      fc.tuple(fc.constantFrom('len', 'keys', 'str'), e).map(([h, a]) => `${h}(${a})`),
      fc.tuple(e, e).map(([a, b]) => `has(${a}, ${b})`),
      fc
        .tuple(e, fc.constantFrom('startsWith', 'endsWith', 'includes'), fc.constantFrom('.', '?.'), e)
        .map(([t, m, dot, a]) => `(${t})${dot}${m}(${a})`),
      fc.array(e, { maxLength: 3 }).map((items) => `[${items.join(', ')}]`),
    ),
  };
}).e;

test('property: thousands of random expressions over trap-filled graphs never fire a trap, never change an object, and fail only with ProbeEvalError', () => {
  fc.assert(
    fc.property(expressionSource, fc.array(shape, { minLength: 5, maxLength: 5 }), (source, shapes) => {
      fc.pre(source.length <= MAX_EXPRESSION_LENGTH);
      const checked = checkExpression(source);
      const graphs = shapes.map(build);
      const before = graphs.map((g) => g.inspectable.map(fingerprint));
      const scope: Record<string, unknown> = { v0: graphs[0]!.root, v1: graphs[1]!.root, v2: graphs[2]!.root, v3: graphs[3]!.root };
      const frame: Frame = { values: checked.roots.map((r) => scope[r]), self: graphs[4]!.root };
      try {
        compileExpression(checked.expr, checked.roots, text)(frame);
      } catch (err) {
        assert.ok(err instanceof ProbeEvalError, `${source} threw ${String(err)}`);
      }
      const errors: string[] = [];
      const line = compileTemplate([{ source, offset: 0, expr: checked.expr }], checked.roots, (m) => errors.push(m), text)(frame);
      assert.equal(typeof line, 'string');
      for (const [i, g] of graphs.entries()) {
        assert.deepEqual(g.fired, [], `${source}: a trap fired`);
        g.inspectable.forEach((o, j) => assert.ok(sameFingerprint(before[i]![j]!, fingerprint(o)), `${source}: an object changed`));
      }
    }),
    { numRuns: 3000 },
  );
});
