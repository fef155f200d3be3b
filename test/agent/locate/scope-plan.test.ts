/**
 * The names a snapshot reads at a line (agent/src/locate/scope-plan.ts) and those still in
 * their temporal dead zone there (uninitialised.ts), from the worker's scope analysis, across
 * the shapes apps are written in: CommonJS, ES modules, classes, destructuring, `catch`, TDZ.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scopePlanAt } from '../../../agent/src/locate/scope-plan.js';
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
