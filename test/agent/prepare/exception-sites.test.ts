/**
 * Exception sites (prepare/exception-sites.ts): a `throw` statement's wrapper and the `catch`
 * around each function body. The app must see the same thing with them off and on as with the
 * original code: the very same error object, its stack text, `finally` blocks, return values,
 * generators, async functions, constructors and getters. With the flag on they record the throw
 * site with its bindings, then each prepared frame the error leaves.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installStackTraces } from '../../../agent/src/main/stack-traces.js';
import { packTable, type PackedTable } from '../../../agent/src/prepare/packed-table.js';
import { loadOriginal, loadPrepared, prepareCommonJs, type Loaded } from './prepared-module.js';

const FILE = '/app/lib/throwing.cjs';
let currentTable: PackedTable | undefined;
installStackTraces({ tableOf: (path) => (path === FILE ? currentTable : undefined) });

/** The module's `run()` in the original, prepared with flags off, and with every flag on (exception sites recording). */
async function threeWays(source: string): Promise<{ original: unknown; off: unknown; on: unknown; loaded: Loaded }> {
  const prepared = prepareCommonJs(source);
  const run = async (exports: unknown): Promise<unknown> => await (exports as () => unknown)();
  currentTable = undefined;
  const original = await run(loadOriginal(source, FILE));
  currentTable = packTable(prepared.map);
  const off = await run(loadPrepared(source, FILE, 'off', prepared).exports);
  const loaded = loadPrepared(source, FILE, 'sites', prepared);
  const on = await run(loaded.exports);
  currentTable = undefined;
  return { original, off, on, loaded };
}

async function assertSame(source: string): Promise<{ value: unknown; loaded: Loaded }> {
  const { original, off, on, loaded } = await threeWays(source);
  assert.deepEqual(off, original, 'prepared, flags off, differs from the original');
  assert.deepEqual(on, original, 'prepared, exception sites on, differs from the original');
  return { value: original, loaded };
}

/** What the app can see of an error: identity, class, message and this file's stack lines. */
const SEE = [
  'const seen = (err, made) => err instanceof Error',
  '  ? { same: err === made, type: err.constructor.name, message: err.message, stack: err.stack.split("\\n").filter((l) => l.includes("throwing")) }',
  '  : { thrown: err, same: err === made };',
].join('\n');

test('the very same error object is rethrown, with the same stack text, from throw statements, expressions and callees', async () => {
  const source = [
    SEE,
    'let made;',
    'function explicit(a) { const b = a + 1; made = new RangeError("too far " + b); throw made; }',
    'function expression(o) { return o.missing.deep; }',
    'function caller(x) { var local = x * 2; return explicit(local); }',
    'function primitive() { throw "just a string"; }',
    'function sequence() { throw (made = new Error("one"), made); }',
    'module.exports = () => {',
    '  const out = [];',
    '  for (const f of [() => explicit(1), () => expression({}), () => caller(3), primitive, sequence]) {',
    '    made = undefined;',
    '    try { f(); out.push("returned"); } catch (err) { out.push(seen(err, made ?? err)); }',
    '  }',
    '  return out;',
    '};',
  ].join('\n');
  const { value, loaded } = await assertSame(source);
  const [explicit, expression, caller, primitive] = value as Record<string, unknown>[];
  assert.equal(explicit!.same, true);
  assert.match(String((explicit!.stack as string[])[0]), /at explicit \(\/app\/lib\/throwing\.cjs:5:\d+\)/);
  assert.equal(expression!.type, 'TypeError');
  assert.equal(caller!.message, 'too far 7');
  assert.deepEqual(primitive, { thrown: 'just a string', same: true });

  // The throw site records every binding in scope, `const`s included; the catches record their frames.
  const [first, ownCatch] = loaded.thrown;
  assert.deepEqual({ at: first!.at, line: first!.line }, { at: 'throw', line: 5 });
  assert.deepEqual({ a: first!.scope.a, b: first!.scope.b }, { a: 1, b: 2 });
  assert.ok(first!.scope.made instanceof RangeError, 'with the outer bindings the function uses');
  assert.equal(ownCatch!.at, 'catch');
  assert.equal(ownCatch!.error, first!.error, 'the catch sees the error the throw site recorded');
  assert.equal(ownCatch!.scope.a, 1, "a catch sees the function's parameters and `var`s");
  assert.equal('b' in ownCatch!.scope, false, 'not the `const`s of the `try` block');
  const fromCaller = loaded.thrown.find((r) => r.at === 'catch' && r.line === 7);
  assert.equal(fromCaller?.scope.x, 3);
  assert.equal(fromCaller?.scope.local, 6);
  assert.equal(typeof fromCaller?.scope.explicit, 'function', 'and the outer bindings the function uses');
});

test('finally blocks, return values and errors replaced in a catch behave as in the original', async () => {
  const source = [
    'const log = [];',
    'function withFinally(n) { try { if (n > 1) throw new Error("big"); return n; } finally { log.push("finally " + n); } }',
    'function overridden() { try { throw new Error("lost"); } finally { return "finally wins"; } }',
    'function replaced() { try { throw new Error("first"); } catch (e) { throw new TypeError("second after " + e.message); } }',
    'function swallowed() { try { throw new Error("nobody sees me"); } catch { return "swallowed"; } }',
    'module.exports = () => {',
    '  const out = [withFinally(1)];',
    '  try { withFinally(2); } catch (e) { out.push(e.message); }',
    '  out.push(overridden(), swallowed());',
    '  try { replaced(); } catch (e) { out.push(e.constructor.name + ": " + e.message); }',
    '  return [out, log.splice(0)];',
    '};',
  ].join('\n');
  const { value } = await assertSame(source);
  assert.deepEqual(value, [
    [1, 'big', 'finally wins', 'swallowed', 'TypeError: second after first'],
    ['finally 1', 'finally 2'],
  ]);
});

test('generators, async functions and async generators throw, reject, return and clean up as in the original', async () => {
  const source = [
    'const log = [];',
    'function* numbers() { try { yield 1; yield 2; throw new Error("gen broke"); } finally { log.push("gen finally"); } }',
    'function* echo() { while (true) { try { yield "ready"; } catch (e) { log.push("echo caught " + e.message); } } }',
    'async function later(n) { await null; if (n) throw new Error("async " + n); return "fine"; }',
    'async function* stream() { yield "a"; await null; throw new RangeError("stream ended"); }',
    'const arrow = async (x) => { const y = await later(x); return y; };',
    'module.exports = async () => {',
    '  const out = [];',
    '  const g = numbers();',
    '  out.push(g.next().value, g.return(9).value, g.next().done);',
    '  try { for (const n of numbers()) out.push(n); } catch (e) { out.push(e.message); }',
    '  const e = echo(); e.next(); out.push(e.throw(new Error("in")).value);',
    '  out.push(await later(0));',
    '  out.push(await later(2).catch((err) => err.message));',
    '  out.push(await arrow(3).catch((err) => err.message));',
    '  try { for await (const s of stream()) out.push(s); } catch (err) { out.push(err.constructor.name); }',
    '  return [out, log.splice(0)];',
    '};',
  ].join('\n');
  const { value, loaded } = await assertSame(source);
  assert.deepEqual(value, [
    [1, 9, true, 1, 2, 'gen broke', 'ready', 'fine', 'async 2', 'async 3', 'a', 'RangeError'],
    ['gen finally', 'gen finally', 'echo caught in'],
  ]);
  const rejected = loaded.thrown.find((r) => r.at === 'throw' && r.line === 4 && r.scope.n === 3);
  assert.ok(rejected, 'the async throw site was recorded after its await');
  assert.ok(
    loaded.thrown.some((r) => r.at === 'catch' && r.line === 6 && r.error === rejected.error),
    'the awaiting arrow recorded itself as a caller',
  );
});

test('constructors (super before this), getters, setters and methods keep their behaviour; a catch in a derived constructor passes no `this`', async () => {
  const source = [
    'class Base { constructor(ok) { if (!ok) throw new TypeError("base refused"); this.ok = ok; } }',
    'class Derived extends Base {',
    '  constructor(ok, late) { super(ok); if (late) throw new Error("after super " + this.ok); this.late = late; }',
    '  get broken() { throw new Error("getter " + this.ok); }',
    '  set value(v) { if (v < 0) throw new RangeError("negative"); this.v = v; }',
    '}',
    'module.exports = () => {',
    '  const out = [];',
    '  for (const make of [() => new Derived(false), () => new Derived(1, true), () => new Derived(2).broken, () => { const d = new Derived(3); d.value = -1; }]) {',
    '    try { const v = make(); out.push(v instanceof Derived ? "made" : v); } catch (e) { out.push(e.constructor.name + ": " + e.message); }',
    '  }',
    '  out.push(new Derived(4, 0).ok);',
    '  return out;',
    '};',
  ].join('\n');
  const { value, loaded } = await assertSame(source);
  assert.deepEqual(value, ['TypeError: base refused', 'Error: after super 1', 'Error: getter 2', 'RangeError: negative', 4]);
  const derived = loaded.thrown.filter((r) => r.line === 3);
  assert.ok(derived.length > 0);
  for (const record of derived) assert.equal(record.self, undefined, 'no `this` read in a derived constructor');
  const getter = loaded.thrown.find((r) => r.at === 'throw' && r.line === 4);
  assert.ok(getter?.self instanceof Object, 'a getter passes its receiver');
});

test('a function whose declarations would not compile in a block keeps its body as written, and still behaves the same', async () => {
  const source = [
    'function twice() { return g(); function g() { return 1; } function g() { return 2; } }',
    'function shadowsVar() { var h = 1; function h() {} return typeof h; }',
    'function shadowsParam(k) { function k() {} return typeof k; }',
    'module.exports = () => [twice(), shadowsVar(), shadowsParam(5)];',
  ].join('\n');
  const prepared = prepareCommonJs(source);
  const lines = prepared.code.split('\n');
  for (const [line, name] of ['twice', 'shadowsVar', 'shadowsParam'].entries())
    assert.doesNotMatch(lines[line]!, new RegExp(`function ${name}\\([a-z]*\\) \\{try`), `${name}: its body is not put in a block`);
  assert.equal((prepared.code.match(/catch \(\$lpE\)/g) ?? []).length, 4, 'the functions declared inside still get theirs');
  const { value } = await assertSame(source);
  assert.deepEqual(value, [2, 'number', 'function']);
});

test('a throw site leaves the names V8 infers for anonymous functions around it as they were', async () => {
  const source = [
    SEE,
    'function first() { throw new Error("first"); }',
    'module.exports = () => {',
    '  const calls = [() => first(), () => [1].map(function () { throw new Error("inner"); })];',
    '  return calls.map((f) => { try { return f(); } catch (err) { return seen(err, err).stack; } });',
    '};',
  ].join('\n');
  const { value } = await assertSame(source);
  assert.match(String((value as string[][])[0]![1]), /at calls \(/, 'the arrow is still named after its array');
});

test('a throw a minifier glued to its argument (`throw(a,b)`, `throw"x"`, `throw{…}`, `throw!0`, `throw[…]`, `throw`…``) still parses and throws the same', async () => {
  // terser's output in a Next.js server build: before, `throw(` became `thrownew $lpW((`, a SyntaxError as the file loaded.
  const source = [
    SEE,
    'let made;',
    'function sequence(a){if(a)throw(made=new Error("seq"),made);throw"plain"}',
    'const cases=[()=>sequence(1),()=>sequence(0),function(){throw{code:1}},function(){throw!0},function(){throw[1,2]},function(){throw`t${1}`}];',
    'module.exports=()=>cases.map((f)=>{made=void 0;try{f();return"returned"}catch(err){return seen(err,made??err)}});',
  ].join('\n');
  const { value } = await assertSame(source);
  assert.deepEqual(
    (value as { thrown?: unknown; message?: string }[]).map((v) => v.message ?? v.thrown),
    ['seq', 'plain', { code: 1 }, true, [1, 2], 't1'],
  );
});
