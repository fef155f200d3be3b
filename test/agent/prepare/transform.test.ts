/**
 * The construct suite: every rule of docs/architecture.md §4 for prepared files, checked on the
 * transform's output and by running the prepared code.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrepareError, prepareSource } from '../../../agent/src/prepare/transform.js';
import { siteEntries, siteNamesOf } from '../../../agent/src/prepare/prepared-output.js';
import { loadOriginal, loadPrepared, prepareCommonJs } from './prepared-module.js';

const FILE = '/virtual/construct.cjs';

/** What the module's exported async function gives: the original's, prepared with every flag mode. */
async function sameInEveryMode(source: string): Promise<void> {
  const expected = await (loadOriginal(source, FILE) as () => Promise<unknown>)();
  for (const mode of ['off', 'functions', 'sites', 'inline sites'] as const)
    assert.deepEqual(await (loadPrepared(source, FILE, mode).exports as () => Promise<unknown>)(), expected, mode);
}

function modeAt(source: string, line: number, kind: 'module' | 'commonjs' = 'commonjs'): { mode: string; reason?: string } {
  const out = prepareSource(source, {
    kind,
    header: kind === 'module' ? 'import { $lp, $lpF, $lpS } from "x";' : 'const $lp = __lp, $lpF = $lp.F, $lpS = $lp.S, $lpH = $lp.H;',
  });
  const found = out.functionsReport.find((f) => f.line === line);
  assert.ok(found, `no function reported on line ${line}: ${JSON.stringify(out.functionsReport)}`);
  return found;
}

/** The scope object the first site on `line` passes, from a run with every flag on. */
function scopeAt(source: string, line: number, call: (exports: any) => unknown): Record<string, unknown> | undefined {
  const loaded = loadPrepared(source, FILE, 'sites');
  call(loaded.exports);
  const ids = new Set(
    siteEntries(loaded.prepared.sites)
      .filter((s) => s.line === line)
      .map((s) => s.id),
  );
  return loaded.hits.find((h) => ids.has(h.site))?.scope;
}

test('a leaf function gets an entry guard holding its twin on the line where its body starts; every line keeps its number', () => {
  const source = ['function add(a, b) {', '  const sum = a + b;', '  return sum;', '}', 'module.exports = { add };', ''].join('\n');
  const out = prepareCommonJs(source);
  const lines = out.code.split('\n');
  assert.equal(lines.length, source.split('\n').length);
  assert.match(
    lines[0]!,
    /^const \$lp = __lp, \$lpF = \$lp.F, \$lpS = \$lp.S, \$lpH = \$lp.H, \$lpC = \$lp.C, \$lpK = \$lp.K, \$lpX = \$lp.X, \$lpT = \$lp.T, \$lpW = \$lp.W;function add\(a, b\) \{try \{if \(\$lpF\[0\] !== 0\) \{ +if \(\$lpS\[0\] !== 0\) \$lpS\[0\] === 3 \? \$lpK\[0\]\+\+ : new \$lpH\(\[0, this, a, b\]\);const sum = a \+ b; +if \(\$lpS\[1\] !== 0\) \$lpS\[1\] === 3 \? \$lpK\[1\]\+\+ : new \$lpH\(\[1, this, a, b, sum\]\);return sum; return;\}$/,
  );
  // A site passes values only: their names are listed once per distinct list, beside the code.
  assert.deepEqual(
    out.siteNames.bySite.map((_, site) => siteNamesOf(out.siteNames, site)),
    [['a', 'b'], ['a', 'b', 'sum'], ['add']],
  );
  assert.deepEqual(out.siteNames.names, ['a', 'b', 'sum', 'add'], 'each name once');
  assert.deepEqual(lines.slice(1, 3), source.split('\n').slice(1, 3), 'the original body follows, untouched');
  // The exception site: the body's `catch` records (only when on) and rethrows the same error.
  assert.equal(lines[3], '} catch ($lpE) {if ($lpX[0] !== 0) new $lpT([$lpE, 1, this, "aa", "a", a, "b", b]); throw $lpE;}}');
  assert.deepEqual(modeAt(source, 1), { line: 1, column: 0, mode: 'twin' });
  // The twin's sites carry the original lines.
  const twinSites = siteEntries(out.sites)
    .filter((s) => s.fn === 0)
    .map((s) => s.line);
  assert.deepEqual(twinSites, [2, 3]);
});

test('functions that cannot be twinned get inline guards, each for its stated reason', () => {
  const cases: [string, number, string][] = [
    ['function outer() {\n  return () => { return 1; };\n}', 1, 'contains a nested function'],
    ['function t(tag) {\n  return tag`a\nb`;\n}', 1, 'multi-line template'],
    ['(function () {\n  module.exports = 1;\n})();', 1, 'immediately invoked'],
    ['(function (root, factory) { root.x = factory(); })(this,\nfunction () {\n  return 1;\n});', 2, 'module factory'],
    ['function f(a, b) {\n  return class { x = a; };\n}', 1, 'contains a class'],
  ];
  for (const [source, line, reason] of cases) {
    const found = modeAt(source, line);
    const mode = found.reason === reason ? found : modeAt(source, line);
    assert.equal(mode.reason, reason, source);
    assert.equal(mode.mode, 'inline', source);
  }
});

test('a closure in a loop body is twinned inside the loop, where it still sees the loop variable', () => {
  const source =
    'const out = [];\nfor (let i = 0; i < 3; i++) {\n  out.push(() => { return i; });\n}\nmodule.exports = () => out.map((f) => f());\n';
  assert.equal(modeAt(source, 3).mode, 'twin');
  for (const mode of ['off', 'functions', 'sites'] as const) {
    assert.deepEqual((loadPrepared(source, FILE, mode).exports as () => number[])(), [0, 1, 2]);
  }
});

test('what a copy placed elsewhere could not keep is twinned: arguments, super, new.target, #private, its own name, generators', () => {
  const source = [
    'class Base { m() { return "base"; } }',
    'class A extends Base { #x = 1; m() {',
    '  return [super.m(), this.#x, new.target === undefined];',
    '} }',
    'function args() {',
    '  arguments[0] = 5; return [arguments.length, arguments[0]];',
    '}',
    'const fact = function g(n) {',
    '  return n > 1 ? n * g(n - 1) : 1;',
    '};',
    'function* gen(a) {',
    '  const b = yield a; yield b * 2;',
    '}',
    'const out = [];',
    'for (let i = 0; i < 3; i++) out.push(() => { return i; });',
    'module.exports = () => { const it = gen(1); return [new A().m(), args(1, 2), fact(5), it.next().value, it.next(4).value, out.map((f) => f())]; };',
  ].join('\n');
  for (const line of [2, 5, 8, 11, 15]) assert.equal(modeAt(source, line).mode, 'twin', `line ${line}`);
  const expected = (loadOriginal(source, FILE) as () => unknown)();
  for (const mode of ['off', 'functions', 'sites'] as const)
    assert.deepEqual((loadPrepared(source, FILE, mode).exports as () => unknown)(), expected, mode);
});

test('functions with direct eval or with stay unprepared; eval at the top level refuses the file', () => {
  assert.deepEqual(modeAt('const f = (x) => x + 1;', 1), { line: 1, column: 10, mode: 'inline', reason: 'expression body' });
  assert.equal(modeAt('function f(s) {\n  return eval(s);\n}', 1).mode, 'none');
  assert.equal(modeAt('function f(o) {\n  with (o) { return a; }\n}', 1).mode, 'none');
  assert.throws(() => prepareCommonJs('eval("1");\nfunction f() { return 1; }'), PrepareError);
  assert.throws(
    () => prepareCommonJs('function ('),
    (err: unknown) => err instanceof PrepareError && /cannot parse/.test(err.message),
  );
});

test('a site passes only bindings definitely initialised there (TDZ, switch cases, hoisted callers, imports)', () => {
  const source = [
    'let late;',
    'function early() {',
    '  return typeof late;',
    '}',
    'function g(a) {',
    '  const before = 1;',
    '  let after = 2;',
    '  switch (a) { case 1: let inCase = 1; break; case 2:',
    '    return before + after; }',
    '  return [early, before, after];',
    '}',
    'module.exports = { g, early };',
  ].join('\n');
  // Line 6: `before` is not yet initialised; `after` neither.
  assert.deepEqual(Object.keys(scopeAt(source, 6, (e) => e.g(0)) ?? {}).sort(), ['a', 'early']);
  // Line 9 is in a case: a `let` of another case is left out.
  assert.deepEqual(Object.keys(scopeAt(source, 9, (e) => e.g(2)) ?? {}).sort(), ['a', 'after', 'before', 'early']);
  // `early` is a hoisted declaration: it may run before `late` is initialised, so `late` is read lazily.
  assert.deepEqual(
    scopeAt(source, 3, (e) => e.early()),
    { late: undefined },
  );
  const esm = prepareSource('import { x } from "./x.js";\nexport function f() {\n  return x;\n}\n', {
    kind: 'module',
    header: 'import { $lp, $lpF, $lpS } from "lp";',
  });
  assert.match(esm.code, /"\*x", \(\) => x\]/, 'an import is read lazily: a cycle can leave it uninitialised');
});

test('a site passes only what the function already sees: its own bindings and the outer ones it references', () => {
  const source = [
    'const used = 1;',
    'const unused = 2;',
    'const f = function (a) {',
    '  const local = a + used;',
    '  return local;',
    '};',
    'module.exports = { f };',
  ].join('\n');
  assert.deepEqual(
    scopeAt(source, 5, (e) => e.f(1)),
    { a: 1, local: 2, used: 1 },
  );
});

test('no `this` from arrows or before super(); `this` from methods', () => {
  const source = [
    'class Base { constructor() { this.x = 1; } }',
    'class Derived extends Base {',
    '  constructor() {',
    '    super();',
    '    this.y = () => { const z = 1; return z; };',
    '  }',
    '  m() {',
    '    return this.x;',
    '  }',
    '}',
    'module.exports = { Derived };',
  ].join('\n');
  const loaded = loadPrepared(source, FILE, 'sites');
  const d = new (loaded.exports as any).Derived();
  d.y();
  d.m();
  const at = (line: number) => {
    const ids = new Set(
      siteEntries(loaded.prepared.sites)
        .filter((s) => s.line === line)
        .map((s) => s.id),
    );
    return loaded.hits.filter((h) => ids.has(h.site));
  };
  assert.equal(at(4)[0]?.self, undefined, 'before super()');
  assert.equal(at(5)[0]?.self, undefined, 'a derived constructor passes no `this`');
  assert.equal(at(5).length, 3, "the constructor's site and the arrow twin's two sites");
  assert.equal(at(5)[1]?.self, undefined, 'an arrow passes no `this`');
  assert.equal(at(8)[0]?.self, d);
});

test('an expression-bodied arrow’s body has a site in each copy of the arrow, keeping its value, `this`, `arguments` and `new.target`', () => {
  const source = [
    'function outer(v) {',
    '  const self = () => this;',
    '  const first = () => arguments[0];',
    '  const target = () => new.target;',
    '  const wrap = (x) =>',
    '    ({ x, v });',
    '  const next = (a) => (a, a + 1);',
    '  return [self().me, first(), target() === outer, wrap(1), next(2), [1, 2].map((n) => n * v)];',
    '}',
    'const twice = (n) => n * 2;',
    'module.exports = () => [outer.call({ me: 1 }, 3), new outer(4), twice(5)];',
  ].join('\n');
  const expected = (loadOriginal(source, FILE) as () => unknown)();
  for (const mode of ['off', 'functions', 'sites', 'inline sites'] as const)
    assert.deepEqual((loadPrepared(source, FILE, mode).exports as () => unknown)(), expected, mode);
  const out = prepareCommonJs(source);
  assert.equal(modeAt(source, 1).mode, 'twin');
  // Line 6 holds only the arrow's body: its site in the twin's copy (under the twin's flag) and in the original's.
  assert.deepEqual(
    siteEntries(out.sites)
      .filter((s) => s.line === 6)
      .map((s) => [s.column, s.fn]),
    [
      [5, 0],
      [5, -1],
    ],
  );
  assert.deepEqual(
    scopeAt(source, 6, (run) => run()),
    { x: 1, v: 3 },
  );
  // With the twin off (an arrow the original body made before an action came), the original's copy fires.
  const [twinCopy, originalCopy] = siteEntries(out.sites).filter((s) => s.line === 6);
  const untwinned = loadPrepared(source, FILE, 'inline sites');
  (untwinned.exports as () => unknown)();
  const fired = untwinned.hits.filter((h) => h.site === twinCopy?.id || h.site === originalCopy?.id);
  assert.deepEqual(
    fired.map((h) => [h.site, h.scope]),
    [
      [originalCopy?.id, { x: 1, v: 3 }],
      [originalCopy?.id, { x: 1, v: 4 }],
    ],
  );
  const loaded = loadPrepared(source, FILE, 'sites');
  (loaded.exports as () => unknown)();
  const body = siteEntries(loaded.prepared.sites).find((s) => s.line === 10 && s.column === 21);
  assert.deepEqual(loaded.hits.find((h) => h.site === body?.id)?.scope, { n: 5 }, 'the body of `twice` has a site');
});

test('an arrow whose expression body is a call, `new` or `await` gets an exit site that runs after its value, with the same value, names and errors', async () => {
  const source = [
    'const log = [];',
    'const work = (x) => { log.push(`work ${x}`); return x * 2; };',
    'const later = async (x) => { await null; log.push(`later ${x}`); return x + 1; };',
    'const fail = () => { throw new RangeError("no"); };',
    'const double = (x) => work(x);',
    'const settle = async (x) => // a comment',
    '  await later(x);',
    'const make = (n) => new Array(n);',
    'const chained = (o) => o?.f(2);',
    'const callback = (f) => [1].map(f);',
    'const throws = () => fail();',
    'const named = () => [function () {}, class {}].map((f) => f.name);',
    'const inParens = (x) => (work(x));',
    'function inTwin(v) {',
    '  const f = (x) => work(x + v);',
    '  return f(1);',
    '}',
    'module.exports = async () => {',
    '  let error;',
    '  try { throws(); } catch (e) { error = `${e.name}: ${e.message}`; }',
    '  const values = [double(2), await settle(3), make(2).length, chained({ f: work }), callback((x) => x), error, named(), inParens(4), inTwin(5)];',
    '  return { values, log, names: [double.name, settle.name, make.name, throws.name] };',
    '};',
  ].join('\n');
  await sameInEveryMode(source);
  const out = prepareCommonJs(source);
  // The arrows' sites on a line, past its statement's own.
  const sitesOn = (line: number) =>
    siteEntries(out.sites).filter((s) => s.line === line && !/^(const|return) /.test(source.split('\n')[line - 1]!.slice(s.column)));
  // An entry site at the body and an exit site at its end: `double`, `settle` (after the comment), `make`, `chained`, `callback`, `throws`.
  for (const [line, body, end] of [
    [5, 'work(x)', ';'],
    [7, 'await later(x)', ';'],
    [8, 'new Array(n)', ';'],
    [9, 'o?.f(2)', ';'],
    [10, '[1].map(f)', ';'],
    [11, 'fail()', ';'],
  ] as const) {
    const text = source.split('\n')[line - 1]!;
    assert.deepEqual(
      sitesOn(line).map((s) => text.slice(s.column, s.column + body.length) || text.slice(s.column)),
      [body, end],
      `line ${line}`,
    );
  }
  // A function or class inside the body (it would be named after the local), or a body in parentheses: the entry site alone.
  assert.equal(sitesOn(12).length, 2, "named's body and its callback's body, no exit");
  assert.equal(sitesOn(13).length, 1, 'in parentheses: no exit');
  // Both copies in a twinned function: the twin's and the original's, each with its exit.
  const twinned = sitesOn(15).map((s) => s.fn);
  assert.ok(twinned[0]! >= 0, 'the twin’s copy');
  assert.deepEqual(twinned, [twinned[0], twinned[0], -1, -1]);
  // The exit site runs after the value is computed, after its `await`.
  const loaded = loadPrepared(source, FILE, 'sites');
  const { log } = (await (loaded.exports as () => Promise<{ log: string[] }>)()) as { log: string[] };
  const [settleEntry, settleExit] = sitesOn(7);
  const order = loaded.hits
    .filter((h) => h.site === settleEntry!.id || h.site === settleExit!.id)
    .map((h) => (h.site === settleEntry!.id ? 'entry' : 'exit'));
  assert.deepEqual(order, ['entry', 'exit']);
  assert.ok(log.includes('later 3'));
  const [throwsEntry, throwsExit] = sitesOn(11);
  assert.equal(loaded.hits.filter((h) => h.site === throwsEntry!.id).length, 1);
  assert.equal(loaded.hits.filter((h) => h.site === throwsExit!.id).length, 0, 'a body that throws never reaches its exit');
  assert.equal(loaded.hits.find((h) => h.site === settleExit!.id)?.scope.x, 3, 'the exit site passes the arrow’s bindings');
});

test("an arrow's exit block leaves V8's names of anonymous functions around it as they were (stack frames)", () => {
  const source = [
    'const boom = () => { throw new Error("x"); };',
    'const frame = (f) => { try { f(); } catch (e) { return e.stack.split("\\n")[2].trim().split(" (")[0].replace(/:\\d+$/, ""); } };',
    'module.exports = () => {',
    '  const hs = [() => boom(), () => { const inner = () => boom(); return frame(inner); }];',
    '  const obj = { a: () => boom(), b: function () { const c = (x) => boom(x); return frame(c); } };',
    '  const later = () => boom(), last = () => new Array(-1);',
    '  return [frame(hs[0]), hs[1](), frame(obj.a), obj.b(), frame(later), frame(last)];',
    '};',
  ].join('\n');
  const names = (out: unknown) => (out as string[]).map((frame) => frame.replace(/\(?\/virtual\/construct\.cjs:\d+/, '<file>'));
  const expected = names((loadOriginal(source, FILE) as () => unknown)());
  for (const mode of ['off', 'functions', 'sites', 'inline sites'] as const)
    assert.deepEqual(names((loadPrepared(source, FILE, mode).exports as () => unknown)()), expected, mode);
});

test('a function whose last statement is no `return` or `throw` has a site before its closing brace, which runs only when the body falls off its end', () => {
  const source = [
    'const seen = [];',
    'function leaf(x) { if (x > 1) return "early"; seen.push(x) }',
    'function closure(x) {',
    '  const later = () => { return x; };',
    '  if (x > 1) return later;',
    '  let y = x + 1;',
    '  seen.push(y);',
    '}',
    'function fails(x) {',
    '  if (x) throw new Error("no");',
    '  seen.push("fine");',
    '}',
    'function returns() {',
    '  return 1;',
    '}',
    'function empty() {}',
    'module.exports = () => {',
    '  const out = [leaf(1), leaf(2), typeof closure(1), typeof closure(2), returns(), empty()];',
    '  try { fails(true); } catch (e) { out.push(e.message); }',
    '  fails(false);',
    '  return [out, seen];',
    '}',
  ].join('\n');
  const expected = (loadOriginal(source, FILE) as () => unknown)();
  for (const mode of ['off', 'functions', 'sites', 'inline sites'] as const)
    assert.deepEqual((loadPrepared(source, FILE, mode).exports as () => unknown)(), expected, mode);
  const out = prepareCommonJs(source);
  const lines = source.split('\n');
  const endSites = siteEntries(out.sites).filter(
    (s) => lines[s.line - 1]![s.column] === '}' && s.column === lines[s.line - 1]!.lastIndexOf('}'),
  );
  // leaf's (its twin's), closure's (inline: it holds a block-bodied function), fails'; none for `returns`, `empty` or the exported arrow.
  assert.deepEqual(
    endSites.map((s) => [s.line, s.fn >= 0 ? 'twin' : 'inline']),
    [
      [2, 'twin'],
      [8, 'inline'],
      [12, 'twin'],
    ],
  );
  const loaded = loadPrepared(source, FILE, 'sites');
  (loaded.exports as () => unknown)();
  const hitsAt = (line: number) => loaded.hits.filter((h) => h.site === endSites.find((s) => s.line === line)!.id).map((h) => h.scope);
  assert.deepEqual(hitsAt(2), [{ x: 1, seen: [1, 2, 'fine'] }], 'leaf(2) returned early: one hit, for leaf(1)');
  assert.deepEqual(
    hitsAt(8).map((scope) => [scope.x, scope.y]),
    [[1, 2]],
    "closure's `let y` is passed at the end",
  );
  assert.equal(hitsAt(12).length, 1, 'fails(true) threw: only fails(false) reached its end');
});

test('a `return` that computes its value gets an exit site that runs after the value (after its `await`), keeping values, `this`, errors, `finally` and generators as they were', async () => {
  const source = [
    'const log = [];',
    'const work = (x) => { log.push(`work ${x}`); return x * 2; };',
    'const fail = (x) => { if (x) throw new RangeError("no"); return 1; };',
    'function sum(a, b) { if (a < 0) return; return work(a) + b; }',
    'async function load(x) { await null; return await Promise.resolve(work(x)); }',
    'function* gen(n) { yield work(n); return n * 3; }',
    'function pick(k, x) { switch (k) { case 1: let y = x; return y + 1; case 2: return fail(x); } out: { if (x) break out; return String(x); } return k; }',
    'function tidy(x) { try { return work(x); } finally { log.push("finally"); } }',
    'const obj = { v: 7, get() { return this.v * 2; }, arrow() { const f = () => { return this.v + 1; }; return f() + 0; } };',
    'const arrow = async (x) => { return await load(x); };',
    'module.exports = async () => {',
    '  let error;',
    '  try { pick(2, true); } catch (e) { error = `${e.name}: ${e.message}`; }',
    '  const g = gen(4);',
    '  const values = [sum(-1, 1), sum(2, 3), await load(5), g.next(), g.next(), pick(1, 6), pick(2, false), pick(3, 0), tidy(8), obj.get(), obj.arrow(), await arrow(9), error];',
    '  return { values, log };',
    '};',
  ].join('\n');
  await sameInEveryMode(source);
  const out = prepareCommonJs(source);
  const lines = source.split('\n');
  // Exit sites are recorded one column into their `return`.
  const exits = siteEntries(out.sites).filter((s) => lines[s.line - 1]!.startsWith('eturn ', s.column));
  const exitsOn = (line: number) => exits.filter((s) => s.line === line).map((s) => lines[line - 1]!.slice(s.column - 1).split(';')[0]);
  assert.deepEqual(exitsOn(4), ['return work(a) + b'], 'none for `return;`');
  assert.deepEqual(exitsOn(5), ['return await Promise.resolve(work(x))']);
  assert.deepEqual(exitsOn(6), ['return n * 3']);
  assert.deepEqual(exitsOn(7), ['return y + 1', 'return fail(x)', 'return String(x)'], 'none for `return k`, a parameter');
  assert.deepEqual(exitsOn(8), [], "inside `try … finally`: none of its own (its `try`'s wrapper times it, after the `finally` block)");
  assert.deepEqual(exitsOn(9), ['return this.v * 2', 'return this.v + 1', 'return f() + 0']);
  const loaded = loadPrepared(source, FILE, 'sites');
  await (loaded.exports as () => Promise<unknown>)();
  const hitsOf = (line: number, index = 0) => {
    const site = exits.filter((s) => s.line === line)[index]!;
    return loaded.hits.filter((h) => h.site === site.id);
  };
  assert.deepEqual(
    hitsOf(4).map((h) => [h.scope.a, h.scope.b]),
    [[2, 3]],
    'sum(-1, 1) returned nothing: one hit, with the bindings',
  );
  assert.equal(hitsOf(7, 1).length, 1, 'pick(2, true) threw in its value: only pick(2, false) reached the exit');
  assert.equal((hitsOf(9)[0]?.self as { v: number }).v, 7, 'a method passes its `this`');
  assert.equal(hitsOf(9, 1)[0]?.self, undefined, 'an arrow passes none');
  // After the value: work(5), called inside load's awaited value, ran before load's exit.
  const workSite = siteEntries(out.sites).find((s) => s.line === 2 && lines[1]!.startsWith('log.push', s.column))!;
  const worked = loaded.hits.findIndex((h) => h.site === workSite.id && h.scope.x === 5);
  const exited = loaded.hits.indexOf(hitsOf(5)[0]!);
  assert.ok(worked >= 0 && exited > worked, `work(5) at ${worked}, load's exit at ${exited}`);
});

test("a `return`'s exit leaves V8's names of anonymous functions as they were, where the value holds a function and after another function in its expression", () => {
  const source = [
    'const boom = () => { throw new Error("x"); };',
    'const frame = (f) => { try { f(); } catch (e) { return e.stack.split("\\n")[2].trim().split(" (")[0].replace(/:\\d+$/, ""); } };',
    'function list() { return [function () { boom(); }, () => boom()]; }',
    'function either(x) { return x ? function () { boom(); } : null; }',
    'function keyed() { return { a: function () { boom(); }, b: [() => boom()], c() { boom(); } }; }',
    'function made() { return class { m() { boom(); } }; }',
    'function held(x) { try { if (x) return () => boom(); return [function () { boom(); }]; } finally { boom.n = (boom.n ?? 0) + 1; } }',
    'module.exports = () => {',
    '  const calls = [function () { boom(); }, (function () { return [2].concat(1); }), function () { try { return [function () { boom(); }]; } finally { calls.length; } }];',
    '  const k = keyed();',
    '  const M = made();',
    '  return [...list().map(frame), frame(either(1)), frame(k.a), frame(k.b[0]), frame(k.c), frame(() => new M().m()), M.name, k.a.name, frame(held(1)), frame(held(0)[0]), frame(calls[0]), calls[1](), frame(calls[2]()[0]), held(0)[0].name];',
    '};',
  ].join('\n');
  const names = (out: unknown) => (out as unknown[]).map((frame) => String(frame).replace(/\(?\/virtual\/construct\.cjs:\d+/, '<file>'));
  const expected = names((loadOriginal(source, FILE) as () => unknown)());
  for (const mode of ['off', 'functions', 'sites', 'inline sites'] as const)
    assert.deepEqual(names((loadPrepared(source, FILE, mode).exports as () => unknown)()), expected, mode);
  const lines = source.split('\n');
  const out = prepareCommonJs(source);
  const exits = siteEntries(out.sites).filter(
    (s) => lines[s.line - 1]!.startsWith('eturn ', s.column) || lines[s.line - 1]!.startsWith('ry {', s.column),
  );
  // Every function's returns are timed: held's and calls[2]'s by their `try`'s wrapper.
  assert.deepEqual(
    exits.map((s) => s.line),
    [2, 3, 4, 5, 6, 7, 9, 9, 12],
    'list, either, keyed, made, held and calls[1], calls[2] too',
  );
  assert.doesNotMatch(out.code, /\$lpR = \(\[?(function|\(\)|class)/, 'no function is assigned to the local');
});

/**
 * Prepares `source`, finds its wrappers' exit sites (recorded one column into their `keyword`) and
 * runs it with every site on: the hits, and those at the wrapper on a line.
 */
async function wrappersRun(source: string, keyword: 'try {' | 'for ') {
  const out = prepareCommonJs(source);
  const lines = source.split('\n');
  const wrappers = siteEntries(out.sites).filter((s) => lines[s.line - 1]!.startsWith(keyword, s.column - 1));
  const loaded = loadPrepared(source, FILE, 'sites');
  const result = await (loaded.exports as () => Promise<{ log: string[] }>)();
  const hitsOf = (line: number) => loaded.hits.filter((h) => h.site === wrappers.find((s) => s.line === line)!.id);
  return { out, lines, wrappers, result, hitsOf, hits: loaded.hits };
}

test('a `return` inside `try … finally` is timed after the `finally` blocks run, by a wrapper around the outermost `try`, keeping values, overrides, exceptions and `this` as they were', async () => {
  const source = [
    'const log = [];',
    'const work = (x) => { log.push(`work ${x}`); if (x === "boom") throw new TypeError("boom"); return x; };',
    'function plain(x) { try { return work(x); } finally { log.push("finally"); } }',
    'function overrides(x) { try { return work(x); } finally { if (x === 2) return "finally wins"; } }',
    'function rethrows(x) { try { return work(x); } finally { if (x === 3) throw new RangeError("from finally"); } }',
    'function nested(x) { try { try { if (x) return work("inner"); } finally { log.push("inner finally"); } return work("outer"); } catch (e) { return e.message; } finally { log.push("outer finally"); } }',
    'function caught(x) { try { work(x); } catch (e) { return `caught ${e.message}`; } finally { log.push("caught finally"); } return "fell through"; }',
    'async function later(x) { try { return await Promise.resolve(work(x)); } finally { await null; log.push("async finally"); } }',
    'function looped(n) { let i = 0; for (;;) { try { if (++i < n) continue; return work(i); } finally { log.push(`loop ${i}`); } } }',
    'function labelled(x) { out: try { if (x) break out; return work("kept"); } finally { log.push("label finally"); } return "broke out"; }',
    'function seq(x) { try { return (log.push("seq"), x + 1); } finally {} }',
    'function bare(x) { try { if (x) return; log.push("no return"); } finally { log.push("bare finally"); } }',
    'function* gen() { try { yield 1; return 2; } finally { log.push("gen finally"); } }',
    'const obj = { v: 5, get() { try { return this.v + arguments.length; } finally { this.v++; } } };',
    'function fact(n) { try { return n <= 1 ? 1 : n * fact(n - 1); } finally { log.push(`fact ${n}`); } }',
    'module.exports = async () => {',
    '  const out = [plain(1), overrides(2), overrides(22), nested(1), nested(0), caught("boom"), caught(0), await later(7), looped(3), labelled(1), labelled(0), seq(1), bare(1), bare(0), obj.get(1, 2), fact(4), [...gen()]];',
    '  for (const f of [() => rethrows(3), () => plain("boom"), () => later("boom")]) { try { out.push(await f()); } catch (e) { out.push(`${e.name}: ${e.message}`); } }',
    '  return { out, log, v: obj.v };',
    '};',
  ].join('\n');
  await sameInEveryMode(source);
  const { out, lines, wrappers, result, hitsOf, hits } = await wrappersRun(source, 'try {');
  assert.deepEqual(
    wrappers.map((s) => s.line),
    [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15],
    'one per function, none in the generator; the outermost `try` of nested',
  );
  assert.equal(
    siteEntries(out.sites).filter((s) => lines[s.line - 1]!.startsWith('eturn ', s.column) && s.line >= 3 && s.line <= 15).length,
    0,
    'no exit of their own',
  );
  assert.equal(hitsOf(3).length, 1, 'plain(1) returned; plain("boom") threw in its value: no exit');
  assert.equal(hitsOf(5).length, 0, 'rethrows(3): its `finally` threw over the return, timed at that `throw` only');
  assert.equal(hitsOf(7).length, 1, 'caught("boom") returned from its `catch`; caught(0) fell through, past the wrapper');
  assert.equal(hitsOf(10).length, 1, 'labelled(1) broke out: no exit there');
  assert.equal(hitsOf(12).length, 1, 'bare(0) fell through');
  assert.equal(hitsOf(15).length, 4, 'fact(4): once per call');
  assert.equal((hitsOf(14)[0]?.self as { v: number }).v, 6, 'a method passes its `this`, after the `finally` block ran');
  // After the `finally` block: the exit of plain(1) comes after the site of its `log.push("finally")`.
  const finallySite = siteEntries(out.sites).find((s) => s.line === 3 && lines[2]!.startsWith('log.push("finally")', s.column))!;
  const finallyHit = hits.findIndex((h) => h.site === finallySite.id);
  assert.ok(finallyHit >= 0 && hits.indexOf(hitsOf(3)[0]!) > finallyHit, 'exit after the `finally` block');
  assert.ok(result.log.includes('async finally'));
});

test("a `return` inside `for … of` or `for await … of` is timed after the iterator's closing, by a wrapper around the outermost loop, keeping values, closing order, exceptions, labels, `this` and names as they were", async () => {
  const source = [
    'const log = [];',
    'const items = (tag, n, closing) => ({ [Symbol.iterator]() { let i = 0; return { next: () => ({ value: i, done: i++ >= n }), return() { log.push(`close ${tag}`); if (closing) closing(); return {}; } }; } });',
    'const later = (tag, n) => ({ [Symbol.asyncIterator]() { let i = 0; return { next: async () => ({ value: i, done: i++ >= n }), async return() { await null; log.push(`close ${tag}`); return {}; } }; } });',
    'function first(n) { for (const x of items("first", n)) { if (x > 1) return x * 10; } return -1; }',
    'function throws(x) { for (const y of items("throws", 3, () => { throw new RangeError("from return()"); })) return y + x; }',
    'function body(x) { for (const y of items("body", 3, () => { throw new Error("hidden"); })) { if (y === x) throw new TypeError(`body ${y}`); } return "done"; }',
    'async function waits(n) { for await (const x of later("waits", n)) { if (x === 1) return await Promise.resolve(x + 100); } return -1; }',
    'function labelled(n) { let seen = 0; outer: for (const x of items("outer", n)) { inner: for (const y of items("inner", 2)) { seen++; if (x === 0) continue outer; if (y) break inner; return [seen, x, y]; } } return seen; }',
    'function arrays(xs) { for (const x of xs) if (x.ok) return x.name; }',
    'function caught(n) { try { for (const x of items("caught", n)) { if (x === 1) return f(x); } } finally { log.push("caught finally"); } return 0; }',
    'const f = (x) => x + 1;',
    'function named() { for (const x of [1]) return [function () {}, () => x, class {}]; }',
    'function frame() { for (const x of [1]) return new Error("here").stack.split("\\n")[1].trim().split(" (")[0]; }',
    'const obj = { v: 5, get() { for (const x of [arguments.length]) return this.v + x; } };',
    'function* gen() { for (const x of items("gen", 5)) { yield x; if (x === 2) return "gen done"; } }',
    'module.exports = async () => {',
    '  const out = [first(1), first(5), body(9), await waits(3), await waits(0), labelled(3), arrays([{ ok: 0 }, { ok: 1, name: "b" }]), arrays([]), caught(3), obj.get(1, 2), frame(), [...gen()]];',
    '  out.push(named().map((v) => v.name));',
    '  for (const g of [() => throws(1), () => body(1)]) { try { out.push(await g()); } catch (e) { out.push(`${e.name}: ${e.message}`); } }',
    '  return { out, log };',
    '};',
  ].join('\n');
  await sameInEveryMode(source);
  const { out, wrappers, result, hitsOf, hits } = await wrappersRun(source, 'for ');
  assert.deepEqual(
    wrappers.map((s) => s.line),
    [4, 5, 7, 8, 9, 12, 13, 14],
    "one per function that returns inside a loop, around the outermost one (not `body`; `caught`'s `try` wraps its loop; `gen` is a generator)",
  );
  assert.match(out.code, /\{let \$lpY, \$lpQ; try \{outer: for/, 'a label stays on its loop, inside the wrapper');
  assert.deepEqual(
    [4, 5, 7, 8, 9].map((line) => hitsOf(line).length),
    [1, 0, 1, 1, 1],
    "once each: first(5) (first(1) returned after its loop), waits(3), labelled(3), arrays (arrays([]) fell out of its loop, past the wrapper); none for throws(1), whose iterator's return() threw over the return",
  );
  assert.equal((hitsOf(14)[0]?.self as { v: number }).v, 5, 'a method passes its `this`');
  // After the closing: the exit of first(5) comes after its iterator's return() logged, and of waits(3) after the awaited one.
  assert.deepEqual(result.log.slice(0, 2), ['close first', 'close waits']);
  const firstExit = hits.indexOf(hitsOf(4)[0]!);
  const waitsExit = hits.indexOf(hitsOf(7)[0]!);
  assert.ok(firstExit >= 0 && waitsExit > firstExit);
});

test('directives stay first: a function with "use strict" keeps strict mode in the original and the twin', () => {
  const source =
    'function f() {\n  "use strict"\n  return this;\n}\nfunction g() {\n  return this === undefined;\n}\nmodule.exports = { f, g };\n';
  for (const mode of ['off', 'functions', 'sites'] as const) {
    const { f, g } = loadPrepared(source, FILE, mode).exports as any;
    assert.equal(f(), undefined, mode);
    assert.equal(g(), false, mode);
  }
  const strictFile = '"use strict"\nmodule.exports = function () { return this; };\n';
  assert.match(prepareCommonJs(strictFile).code, /^"use strict";const \$lp/);
  const strictFn = loadPrepared(strictFile, FILE, 'sites').exports as () => unknown;
  assert.equal(strictFn(), undefined);
});

test('statements relying on automatic semicolon insertion, comments and single-statement bodies survive flattening', () => {
  const source = [
    'function f(a) {',
    '  let x = a // no semicolon',
    '  let y = [1, 2] /* block',
    '  comment */',
    '  x++',
    '  if (x > 1) y.push(x)',
    '  else y.push(-x)',
    '  for (const v of y) x += v',
    '  do x-- ; while (x > 100)',
    '  return x',
    '    + y.length',
    '}',
    'module.exports = { f };',
  ].join('\n');
  const original = loadOriginal(source, FILE) as any;
  for (const mode of ['off', 'functions', 'sites'] as const) {
    const loaded = loadPrepared(source, FILE, mode);
    assert.equal(modeAt(source, 1).mode, 'twin');
    for (const a of [0, 1, 5, 200]) assert.equal((loaded.exports as any).f(a), original.f(a), `${mode} f(${a})`);
    assert.equal(loaded.prepared.code.split('\n').length, source.split('\n').length);
  }
});

test('every statement in a list and every single-statement body gets a site on its own line', () => {
  const source = 'function f(a) {\n  if (a)\n    return 1;\n  while (a < 0)\n    a++;\n  return 0;\n}\nmodule.exports = { f };\n';
  const out = prepareCommonJs(source);
  const lines = new Set(
    siteEntries(out.sites)
      .filter((s) => s.fn === 0)
      .map((s) => s.line),
  );
  assert.deepEqual([...lines].sort(), [2, 3, 4, 5, 6]);
});

test('async functions and generators are twinned and keep their results', async () => {
  const source =
    'async function f(a) {\n  const b = await a;\n  return b * 2;\n}\nfunction* g() {\n  yield 1;\n  yield 2;\n}\nmodule.exports = { f, g };\n';
  assert.equal(modeAt(source, 1).mode, 'twin');
  for (const mode of ['off', 'functions', 'sites'] as const) {
    const e = loadPrepared(source, FILE, mode).exports as any;
    assert.equal(await e.f(Promise.resolve(21)), 42);
    assert.deepEqual([...e.g()], [1, 2]);
  }
});

test('a hashbang line stays first and ESM output imports the flags', () => {
  const out = prepareSource('#!/usr/bin/env node\nexport const a = 1;\n', {
    kind: 'module',
    header: 'import { $lp, $lpF, $lpS } from "lp";',
  });
  assert.match(out.code, /^#!\/usr\/bin\/env node\nimport \{ \$lp, \$lpF, \$lpS \} from "lp";if \(\$lpS\[0\]/);
});

test('a file with CRLF, CR, LS or PS line breaks gets its sites on the same lines and columns as with LF, and keeps its result', () => {
  const lines = [
    'function f(a) {',
    '  /* a comment',
    '     over two lines */',
    '  const b = a + 1;',
    '  return b * 2;',
    '}',
    'module.exports = { f };',
    '',
  ];
  const withLf = prepareCommonJs(lines.join('\n'));
  assert.ok(withLf.sites.length > 0);
  for (const separator of ['\r\n', '\r', '\u2028', '\u2029']) {
    const source = lines.join(separator);
    const out = prepareCommonJs(source);
    const name = JSON.stringify(separator);
    assert.deepEqual(out.sites, withLf.sites, `sites with ${name}`);
    assert.deepEqual(out.functionsReport, withLf.functionsReport, `functions with ${name}`);
    assert.deepEqual(Object.keys(out.map), Object.keys(withLf.map), `changed lines with ${name}`);
    assert.equal((loadPrepared(source, FILE, 'sites').exports as any).f(20), 42);
  }
});

test('a function deep inside an expression is prepared: the walk skips only expressions that hold no function or class', () => {
  const source = [
    'const table = [1, 2 + 3, { k: [x => x, { run: function (a) {', // 1
    '  return a + 1;', // 2
    '} }] }][2].k[1].run(4);', // 3
    'const plain = [1, { a: 2 }, (3 + 4) * 5];', // 4
    'module.exports = { table, plain };', // 5
    '',
  ].join('\n');
  const out = prepareCommonJs(source);
  assert.deepEqual(
    out.functionsReport.map((f) => [f.line, f.mode]),
    [
      [1, 'inline'],
      [1, 'twin'],
    ],
  );
  const loaded = loadPrepared(source, FILE, 'sites');
  assert.deepEqual(loaded.exports, loadOriginal(source, FILE));
  assert.deepEqual(
    scopeAt(source, 2, () => undefined),
    { a: 4 },
    'the site inside the function ran',
  );
});

test('a CommonJS re-export getter, as tsc writes it, is left as written for the names Node reads; other getters are prepared', () => {
  const source = [
    'const dep_1 = require("./dep");',
    'Object.defineProperty(exports, "a", { enumerable: true, get: function () { return dep_1.a; } });',
    "Object.defineProperty(module.exports, 'b', { enumerable: true, get() { return dep_1.b; } });",
    'Object.defineProperty(dep_1, "c", { get: function () { return 3; } });',
    '',
  ].join('\n');
  const out = prepareCommonJs(source);
  const lines = out.code.split('\n');
  assert.ok(lines[1]!.includes('get: function () { return dep_1.a; }'), lines[1]);
  assert.ok(lines[2]!.includes('get() { return dep_1.b; }'), lines[2]);
  assert.doesNotMatch(lines[3]!, /get: function \(\) \{ return 3; \}/, 'a getter on any other object gets sites');
  for (const line of [2, 3]) assert.match(modeAt(source, line).reason ?? '', /^a re-export getter: /);
  assert.notEqual(modeAt(source, 4).mode, 'none');
});

test('a CommonJS re-export loop, as Babel and rollup write it, is left as written with its getter; other forEach callbacks are prepared', () => {
  const source = [
    'var _dep = require("./dep");',
    'Object.keys(_dep).forEach(function (key) {',
    '  if (key === "default" || key === "__esModule") return;',
    '  Object.defineProperty(exports, key, { enumerable: true, get: function () { return _dep[key]; } });',
    '});',
    "Object.keys(_dep).forEach(function (k) { if (k !== 'default') exports[k] = _dep[k]; });",
    'Object.keys(_dep).forEach(function (k) { console.log(k); });',
    '',
  ].join('\n');
  const out = prepareCommonJs(source);
  const lines = out.code.split('\n');
  const written = source.split('\n');
  // Lines 2 and 6 start top-level statements, which keep their site guard in front.
  for (const line of [3, 4, 5]) assert.equal(lines[line - 1], written[line - 1]);
  for (const line of [2, 6]) assert.ok(lines[line - 1]!.endsWith(written[line - 1]!), lines[line - 1]);
  for (const [line, column] of [
    [2, 26],
    [4, 63],
    [6, 26],
  ] as const) {
    const found = out.functionsReport.find((f) => f.line === line && f.column === column);
    assert.match(found?.reason ?? '', /^a re-export loop: /, `line ${line}: ${JSON.stringify(out.functionsReport)}`);
  }
  assert.notEqual(modeAt(source, 7).mode, 'none', 'a callback that copies nothing onto exports is prepared');
});
