/**
 * One original line that a generated script holds in several places (an unbound prepared copy in a
 * bundle, an inlined function, a copied `finally` block): the action's breakpoint goes at each place
 * that runs apart from the others, all under the action's key, so a hit at any counts; removing the
 * action removes them all. Driven through the fake target with a hand-made source map.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MappingsWriter } from '../../../agent/src/prepare/mappings-writer.js';
import { engineOn, FakeTarget, testAction } from './fake-target.js';

const BUNDLE = [
  'function price(q) {',
  '  if (flags[0] !== 0) {',
  '    const total2 = q * 3;',
  '    return total2;',
  '  }',
  '  const total = q * 3;',
  '  return total;',
  '}',
  'module.exports = { price };',
  '',
].join('\n');
/** src/price.ts: `export function price(q: number): number {` / `  const total = q * 3;` / `  return total;` / `}` */
const SOURCE = 0;
/** [generated column, source, original line, original column, name?], 0-based, per generated line. */
type Segment = [number, number, number, number] | [number, number, number, number, number];
const MAPPINGS: Segment[][] = [
  [[0, SOURCE, 0, 0]],
  [[2, SOURCE, 0, 0]],
  // The bundler renamed this copy's `total`: the map names the original at its declaration.
  [
    [4, SOURCE, 1, 2],
    [10, SOURCE, 1, 8, 0],
  ],
  // The instrumented copy of line 3: its first place.
  [[4, SOURCE, 2, 2]],
  [],
  [[2, SOURCE, 1, 2]],
  // The plain copy of line 3, mapped twice inside one statement: one breakpoint, not two.
  [
    [2, SOURCE, 2, 2],
    [9, SOURCE, 2, 2],
  ],
  [],
  [],
];
const MAP = { version: 3, sources: ['../src/price.ts'], names: ['total'], mappings: encoded(MAPPINGS) };
/** The mappings string, written by the agent's own writer (test/agent/prepare/mappings-writer.test.ts decodes it back). */
function encoded(lines: Segment[][]): string {
  const writer = new MappingsWriter();
  lines.forEach((segments, index) => {
    if (index > 0) writer.nextLine();
    for (const [column, source, line, sourceColumn, name] of segments) writer.segment(column, source, line, sourceColumn, name ?? -1);
  });
  return writer.toString();
}
const MAP_URL = `data:application/json;base64,${Buffer.from(JSON.stringify(MAP)).toString('base64')}`;

test('a line held in two places of a bundle takes a breakpoint at each, under one key, reading the names of its own scope; removing the action removes both', async (t) => {
  const target = new FakeTarget();
  target.load('/app/dist/bundle.js', BUNDLE, MAP_URL);
  const engine = engineOn(t, target);
  const action = testAction('a1', { file: 'src/price.ts', line: 3, template: 'total={total}' });
  await engine.reconcile([action]);

  assert.deepEqual(target.lines(), [4, 7], 'the instrumented copy and the plain one');
  const [arm] = target.messages('arm');
  assert.equal(target.messages('arm').length, 1, 'one arm: the places share it');
  const [instrumented, plain] = [...target.breakpoints.values()].sort((a, b) => a.line - b.line).map((b) => b.condition);
  for (const condition of [instrumented, plain])
    assert.match(condition!, new RegExp(`\\.hit\\(${arm!.key}, `), 'a hit at either place is a hit of the action');
  assert.match(instrumented!, /return total2;/, 'each place reads the variable as the bundle names it there');
  assert.match(plain!, /return total;/);
  assert.equal(engine.probeFor(arm!.key)?.action.id, 'a1');
  assert.deepEqual(target.statuses.at(-1), {
    actionId: 'a1',
    state: 'installed',
    message: 'breakpoint; line 3 sits in 2 places of /app/dist/bundle.js: a breakpoint at each',
    // The map's /app/src/price.ts is no file on this machine: named as the action names it.
    location: { file: 'src/price.ts', line: 3 },
  });

  await engine.reconcile([]);
  assert.deepEqual(target.lines(), [], 'both breakpoints leave V8 with the action');
});

test('a snapshot on a line held in two places plans each place apart, by the names the source gives them; each condition says its place and reads its own bindings', async (t) => {
  const target = new FakeTarget();
  target.load('/app/dist/bundle.js', BUNDLE, MAP_URL);
  const engine = engineOn(t, target);
  await engine.reconcile([testAction('s1', { type: 'snapshot', file: 'src/price.ts', line: 3, watches: [] })]);

  const arms = target.messages('arm');
  assert.equal(arms.length, 1, 'one arm: a hit at either place counts toward the same action');
  const [arm] = arms;
  assert.deepEqual(arm!.roots, ['q', 'total', 'price']);
  const module = [{ kind: 'module', variables: ['price'] }];
  assert.deepEqual(
    arm!.snapshot?.plan,
    { arguments: ['q'], locals: ['total'], scopes: module },
    "the first place's `total2`, as the source names it",
  );
  assert.deepEqual(arm!.snapshot?.elsewhere, [{ arguments: ['q'], locals: ['total'], scopes: module }]);
  assert.equal(arm!.uninitialised, undefined, "no binding is in its dead zone at either place (the first place's `total` is `total2`)");
  const [first, second] = [...target.breakpoints.values()].sort((a, b) => a.line - b.line).map((b) => b.condition);
  assert.match(first!, /return total2;.*\], this\)$/, 'the first place passes only the values');
  assert.match(second!, /return total;.*, 1\], this\)$/, 'the second passes its place after them');
  for (const condition of [first, second]) assert.doesNotMatch(condition!, /\.NI\b/);
});

test('a name in its temporal dead zone at the line is passed as such by the condition, read by its own name at each place', async (t) => {
  const target = new FakeTarget();
  target.load('/app/dist/bundle.js', BUNDLE, MAP_URL);
  const engine = engineOn(t, target);
  // Line 2 of the source (`const total = q * 3;`): `total` is declared there, not yet initialised.
  await engine.reconcile([testAction('a1', { file: 'src/price.ts', line: 2, template: 'total={total}' })]);
  const [arm] = target.messages('arm');
  assert.equal(arm!.uninitialised, undefined, 'the conditions say it, not the arm');
  const conditions = [...target.breakpoints.values()].map((b) => b.condition);
  assert.ok(conditions.length > 0);
  for (const condition of conditions) assert.match(condition, /\.hit\(\d+, \[\$lp\$hook\.NI(, 1)?\]/);
});

test('a script V8 compiled twice under one URL takes its breakpoints by a regular expression, which places them in each copy afresh', async (t) => {
  const target = new FakeTarget();
  // The same source, compiled twice under one URL (as Node compiles an entry file loaded with --import whose type it detects).
  target.load('/app/dist/bundle.js', BUNDLE, MAP_URL);
  target.load('/app/dist/bundle.js', BUNDLE, MAP_URL);
  const engine = engineOn(t, target);
  await engine.reconcile([testAction('a1', { file: 'src/price.ts', line: 3 })]);
  assert.deepEqual(
    [...target.breakpoints.values()].map((b) => [b.line, b.byRegex]),
    [
      [4, true],
      [7, true],
    ],
  );
});
