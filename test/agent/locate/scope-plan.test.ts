/**
 * The names a snapshot reads at a line (agent/src/locate/scope-plan.ts) and those still in
 * their temporal dead zone there (uninitialised.ts), from the worker's scope analysis, across
 * the shapes apps are written in: CommonJS, ES modules, classes, destructuring, `catch`, TDZ.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_PLANNED_VARIABLES, scopePlanAt } from '../../../agent/src/locate/scope-plan.js';
import { analyseSource } from '../../../agent/src/locate/source-analysis.js';
import { uninitialisedAt } from '../../../agent/src/locate/uninitialised.js';

/** The plan at the first occurrence of `marker`. */
function planAt(source: string, marker: string) {
  const offset = source.indexOf(marker);
  assert.notEqual(offset, -1, `marker ${marker} is in the source`);
  return scopePlanAt(analyseSource(source)!, offset);
}

test('CommonJS: arguments, then locals declared so far, then each enclosing function, then the file (wrapper names excluded)', () => {
  const source = [
    "const fs = require('fs');",
    'let total = 0;',
    'function outer(config) {',
    '  const prefix = config.prefix;',
    '  return function handle(req, res) {',
    '    var seen = 1;',
    '    const body = req.body;',
    '    return [seen, body, later, prefix, total, fs]; // here',
    '    const later = 2;',
    '  };',
    '}',
    'module.exports = outer;',
  ].join('\n');
  // A function expression's own name is bound around it, so it shows with the enclosing function's names.
  assert.deepEqual(planAt(source, 'return [seen'), {
    arguments: ['req', 'res'],
    locals: ['seen', 'body'],
    scopes: [
      { kind: 'closure', name: 'outer', variables: ['handle', 'config', 'prefix'] },
      { kind: 'module', variables: ['fs', 'total', 'outer'] },
    ],
  });
});

test("ES module: imports and top-level names form the module scope; the loop block's names come before the loop's own", () => {
  const source = [
    "import { readFile } from 'node:fs/promises';",
    "import * as path from 'node:path';",
    'export const base = "/srv";',
    'export async function load(name, { encoding = "utf8" } = {}) {',
    '  for (const part of name.split("/")) {',
    '    const full = path.join(base, part);',
    '    await readFile(full, encoding); // here',
    '  }',
    '}',
  ].join('\n');
  assert.deepEqual(planAt(source, 'await readFile'), {
    arguments: ['name', 'encoding'],
    locals: ['full', 'part'],
    scopes: [{ kind: 'module', variables: ['readFile', 'path', 'base', 'load'] }],
  });
});

test("classes: a method sees its parameters and locals, and the class name once, with the file's names", () => {
  const source = [
    'class Cart {',
    '  items = [];',
    '  add(item, { quantity = 1 } = {}) {',
    '    const line = { item, quantity };',
    '    this.items.push(line); // here',
    '  }',
    '}',
    'module.exports = { Cart };',
  ].join('\n');
  assert.deepEqual(planAt(source, 'this.items.push'), {
    arguments: ['item', 'quantity'],
    locals: ['line'],
    scopes: [{ kind: 'module', variables: ['Cart'] }],
  });
});

test('destructuring: every name an object or array pattern binds is listed, defaults and rest included, in order', () => {
  const source = [
    'function pick({ id, user: { name = "?" }, ...rest }, [first, , third = 3, ...others]) {',
    '  const { a, b: [c] } = rest;',
    '  let [x = 1, { y }] = others;',
    '  return [id, name, first, third, a, c, x, y]; // here',
    '}',
  ].join('\n');
  const plan = planAt(source, 'return [id');
  assert.deepEqual(plan.arguments, ['id', 'name', 'rest', 'first', 'third', 'others']);
  assert.deepEqual(plan.locals, ['a', 'c', 'x', 'y']);
});

test('catch: the caught error (plain or destructured) is a local of the line inside the handler, not after it', () => {
  const source = [
    'async function fetchUser(id) {',
    '  try {',
    '    return await db.get(id);',
    '  } catch (err) {',
    '    const code = err.code;',
    '    throw err; // inside',
    '  }',
    '}',
    'function parse(text) {',
    '  try { return JSON.parse(text); } catch ({ message }) {',
    '    return message; // destructured',
    '  }',
    '}',
  ].join('\n');
  const inside = planAt(source, 'throw err');
  assert.deepEqual(inside.arguments, ['id']);
  assert.deepEqual(inside.locals, ['code', 'err']);
  assert.deepEqual(planAt(source, 'return message').locals, ['message']);
  assert.deepEqual(planAt(source, 'return await').locals, []);
});

test('TDZ: a `let`, `const` or class of the probed function declared after the line is neither captured nor readable there', () => {
  const source = [
    'function run(input) {',
    '  var early = input;',
    '  const before = 1;',
    '  console.log(early); // here',
    '  const after = 2;',
    '  let later;',
    '  class Helper {}',
    '  var hoisted = 3;',
    '  return [before, after, later, Helper, hoisted, outerLater];',
    '}',
    'const outerLater = 4;',
  ].join('\n');
  const analysed = analyseSource(source)!;
  const offset = source.indexOf('console.log');
  const plan = scopePlanAt(analysed, offset);
  // `var`s are hoisted (readable, `undefined` until assigned); lexical bindings after the line are not yet.
  assert.deepEqual(plan.locals, ['early', 'before', 'hoisted']);
  assert.deepEqual(plan.scopes, [{ kind: 'module', variables: ['run', 'outerLater'] }]);
  assert.deepEqual(uninitialisedAt(analysed, offset, ['before', 'after', 'later', 'Helper', 'hoisted', 'outerLater', 'input']), [
    'after',
    'later',
    'Helper',
  ]);
  // At the top level, the file's own later `const` is in its TDZ too.
  const top = source.indexOf('const outerLater');
  assert.deepEqual(uninitialisedAt(analysed, top, ['outerLater', 'run']), ['outerLater']);
});

test("an arrow sees its enclosing function's names as a closure; a function expression's name is bound around it", () => {
  const source = [
    'const retry = function again(times) {',
    '  const wait = (ms) => {',
    '    const until = Date.now() + ms;',
    '    return until + times; // here',
    '  };',
    '  return times > 0 ? again(times - 1) : wait(1);',
    '};',
  ].join('\n');
  assert.deepEqual(planAt(source, 'return until'), {
    arguments: ['ms'],
    locals: ['until'],
    scopes: [
      { kind: 'closure', name: 'again', variables: ['times', 'wait'] },
      { kind: 'module', variables: ['again', 'retry'] },
    ],
  });
});

/** A file whose top level holds `count` values (a bundle's libraries), each used by a function, around `body`. */
function bundled(count: number, body: string[]): string {
  const names = Array.from({ length: count }, (_, i) => `lib${i}`);
  return [...names.map((name, i) => `var ${name} = ${i};`), `function all() { return [${names.join(', ')}]; }`, ...body].join('\n');
}

const HANDLER = [
  'const TAX = 0.2;',
  'const UNTOUCHED = {};',
  'function makeHandler(discount) {',
  '  const label = "d" + discount;',
  '  return function handle(order) {',
  '    const net = order.total * (1 - discount);',
  '    return [net * (1 + TAX), label, () => lib3]; // here',
  '  };',
  '}',
];

test('a bundle: of a scope of more than OUTER_NAMES_SHOWN names only those the function (and functions inside it) uses are read, the others counted', () => {
  const plan = planAt(bundled(300, HANDLER), 'return [net');
  assert.deepEqual(plan, {
    arguments: ['order'],
    locals: ['net'],
    scopes: [
      { kind: 'closure', name: 'makeHandler', variables: ['handle', 'discount', 'label'] },
      // 300 library names, `all`, UNTOUCHED and makeHandler are left out; lib3 is used by the arrow inside.
      { kind: 'module', variables: ['lib3', 'TAX'], leftOut: 302 },
    ],
  });
  // A module as people write one shows every name, as before.
  const small = planAt(bundled(3, HANDLER), 'return [net');
  assert.deepEqual(small.scopes.at(-1), { kind: 'module', variables: ['lib0', 'lib1', 'lib2', 'all', 'TAX', 'UNTOUCHED', 'makeHandler'] });
});

test("a bundle in one function (webpack's concatenated modules, an IIFE): the big closure is bounded the same way", () => {
  const source = ['(() => {', bundled(80, HANDLER), '  return makeHandler;', '})();'].join('\n');
  const plan = planAt(source, 'return [net');
  assert.deepEqual(plan.scopes.at(-1), { kind: 'closure', name: '(anonymous)', variables: ['lib3', 'TAX'], leftOut: 82 });
});

test('where the names a function uses are not known, or for an exception caller (`all`), every name is read as before, up to MAX_PLANNED_VARIABLES', () => {
  const withEval = bundled(300, ['function handle(code) {', '  return eval(code); // here', '}']);
  const evaluated = planAt(withEval, 'return eval');
  assert.equal(evaluated.scopes[0]?.leftOut, undefined);
  assert.equal(evaluated.scopes[0]?.variables.length, MAX_PLANNED_VARIABLES - 1);
  const source = bundled(300, HANDLER);
  const caller = scopePlanAt(analyseSource(source)!, source.indexOf('return [net'), undefined, 'all');
  assert.equal(caller.scopes.at(-1)?.leftOut, undefined);
  assert.equal(caller.scopes.at(-1)?.variables.length, MAX_PLANNED_VARIABLES - 5);
});

test("a line at a big module's top level reads the names it refers to first, then others up to MAX_PLANNED_VARIABLES, counting the rest", () => {
  // The line's names are declared last (as a bundle puts the app's code after its libraries): the bound used to cut them.
  const source = `${bundled(300, HANDLER)}\nconst handler = makeHandler(TAX); // top\nmodule.exports = { handler, lib0 };`;
  const top = planAt(source, 'const handler');
  const module = top.scopes[0];
  assert.equal(module?.kind, 'module');
  assert.deepEqual(module?.variables.slice(0, 2), ['TAX', 'makeHandler'], 'the names on the line come first, in declaration order');
  assert.equal(module?.variables.length, MAX_PLANNED_VARIABLES);
  // 300 libraries, all, TAX, UNTOUCHED, makeHandler; `handler` is in its dead zone on its own line.
  assert.equal(module?.leftOut, 304 - MAX_PLANNED_VARIABLES, 'the names past the bound are counted');
  // Property names are no bindings: `lib0` as a key is not a reference, as a value it is.
  const keys = planAt(`${bundled(300, HANDLER)}\nconsole.log({ lib5: 1 }.lib7, lib0); // top`, 'console.log');
  assert.deepEqual(keys.scopes[0]?.variables.slice(0, 2), ['lib0', 'lib1']);
  // A module of 50 names or fewer reads them all, counting nothing.
  const small = planAt(`${bundled(3, HANDLER)}\nall(); // top`, 'all(); // top');
  assert.equal(small.scopes[0]?.leftOut, undefined);
  assert.equal(small.scopes[0]?.variables.length, 7);
});
