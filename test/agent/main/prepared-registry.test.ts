/**
 * What an action reads on a prepared site, through the main thread's `$lpH`: values by name,
 * outer bindings read lazily, and the real reason when a name cannot be read.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileExpression, type Frame } from '../../../agent/src/main/compile.js';
import { PreparedFile } from '../../../agent/src/main/prepared-registry.js';
import { checkExpression } from '@liveprobe/protocol';
import { loadPrepared } from '../prepare/prepared-module.js';

interface Seen {
  values: unknown[];
  self: unknown;
}

function fileWith(roots: string[]): { file: PreparedFile; seen: Seen[] } {
  const seen: Seen[] = [];
  const file = new PreparedFile(
    0,
    '/app/x.js',
    [1, 0, -1],
    0,
    {
      hit: (_key, values, self) => seen.push({ values, self }),
      count: () => false,
      readsPass: () => false,
      exceptionFlag: new Uint8Array(1),
      thrown: () => {},
      exceptionsAlwaysOn: () => {},
      onRearm: () => {},
    },
    () => {},
    false,
    true,
  );
  file.setFlags({ t: 'flags', file: 0, key: 7, roots, sites: [0], on: true });
  return { file, seen };
}

test('a site passes its bindings by name; a binding in its TDZ and a name the site never had each say why', () => {
  const { file, seen } = fileWith(['a', 'late', 'ready', 'other']);
  {
    // The inserted reader `() => late`, called while `late` is in its TDZ.
    const read = (): number => late;
    const ready = 5;
    new (file.H as unknown as new (pass: unknown[]) => unknown)([0, 'self', 'a', 1, '*late', read, '*ready', () => ready]);
    const late = 2;
    assert.equal(read(), 2);
  }
  const [values] = seen.map((s) => s.values);
  assert.equal(seen[0]!.self, 'self');
  assert.equal(values![0], 1);
  assert.equal(values![2], 5);
  // Each unreadable name says why, through any expression that reads it.
  const frame: Frame = { values: values!, self: undefined };
  const roots = ['a', 'late', 'ready', 'other'];
  assert.throws(
    () => compileExpression(checkExpression('late').expr, roots)(frame),
    /`late` is not initialised yet at this line \(its `let`/,
  );
  assert.throws(
    () => compileExpression(checkExpression('other.x').expr, roots)(frame),
    /`other` is not available at this line \(not defined here, not initialised yet here, or a variable of an enclosing scope that this function never uses/,
  );
  const checked = checkExpression('late + 1');
  const evaluate = compileExpression(checked.expr, ['a', 'late', 'ready', 'other']);
  assert.throws(() => evaluate(frame), /`late` is not initialised yet at this line/);
});

test('module-level let, const and class used by a hoisted function are read at the site; before their declaration ran, they are in their TDZ', () => {
  const safe = [
    'const early = report(false);',
    'let counter = 1;',
    'class Store {}',
    'function report(ready) {',
    '  return ready ? [counter, Store.name] : [];',
    '}',
    'module.exports = { early, report };',
  ].join('\n');
  const run = loadPrepared(safe, '/app/state.cjs', 'sites');
  (run.exports as { report(ready: boolean): unknown }).report(true);
  // The statement's site, the first on line 5 (the `return` has its exit site after it too).
  const statement = run.hits.find((h) => run.prepared.sites[h.site * 3] === 5)!.site;
  const atLine5 = run.hits.filter((h) => h.site === statement).map((h) => h.scope);
  assert.deepEqual(atLine5[0], { ready: false, counter: '<in its TDZ>', Store: '<in its TDZ>' });
  assert.deepEqual(atLine5[1], { ready: true, counter: 1, Store: atLine5[1]!.Store });
  assert.equal((atLine5[1]!.Store as { name: string }).name, 'Store');
});

test("a prepared file's exception sites give back the thrown object, throw a primitive themselves, and never throw the agent's own error", () => {
  const records: unknown[][] = [];
  const file = new PreparedFile(
    0,
    '/app/x.js',
    [],
    0,
    {
      hit: () => {},
      count: () => undefined,
      readsPass: () => undefined,
      exceptionFlag: new Uint8Array(1),
      thrown: (path, at, error, pass, start) => {
        records.push([path, at, error, pass[start]]);
        throw new Error('the agent failed');
      },
      exceptionsAlwaysOn: () => {},
      onRearm: () => {},
    },
    () => {},
    false,
    true,
  );
  const error = new RangeError('x');
  // As prepared code calls them: `new $lpW((E), pass)` and `new $lpT([E, line, …])`.
  const W = file.W as unknown as new (e: unknown, pass: unknown[] | 0) => unknown;
  const T = file.T as unknown as new (pass: unknown[]) => unknown;
  assert.equal(new W(error, [3, undefined, '']), error, 'the very same object');
  assert.throws(
    () => new W('plain', 0),
    (thrown) => thrown === 'plain',
  );
  assert.doesNotThrow(() => new T([error, 1, undefined, '']));
  assert.deepEqual(records, [
    ['/app/x.js', 'throw', error, 3],
    ['/app/x.js', 'catch', error, 1],
  ]);
});
