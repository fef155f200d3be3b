/**
 * A position in a twinned function's original body has one more place, in its twin, found
 * through the prepared file's position table; the guards, which the table maps to the statement
 * they guard, are not places of it. (The breakpoint set at both: test/cli/prepare/twin-breakpoint.test.ts.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareSource } from '../../../../agent/src/prepare/transform.js';
import { analyseSource, offsetOf, positionOf } from '../../../../agent/src/locate/source-analysis.js';
import { twinPlaces } from '../../../../agent/src/worker/prepared/twin-places.js';
import { packTable } from '../../../../agent/src/prepare/packed-table.js';

const SOURCE = [
  'function total(items) {',
  '  const amounts = items.map((item) =>',
  '    item.price * item.quantity);',
  '  let sum = 0;',
  '  for (const amount of amounts) sum += amount;',
  '  return sum;',
  '}',
  'module.exports = { total };',
  '',
].join('\n');

const prepared = prepareSource(SOURCE, { kind: 'commonjs', header: 'const $lp = __lp, $lpF = $lp.F, $lpS = $lp.S, $lpH = $lp.H;' });
const analysed = analyseSource(prepared.code)!;
// As the file's binding hands it to the worker.
const table = packTable(prepared.map)!;

/** The position of `text` at or after `from` in the prepared code. */
function find(text: string, from = 0): { line: number; column: number } {
  const offset = prepared.code.indexOf(text, from);
  assert.ok(offset >= 0, `${text} in the prepared code`);
  return positionOf(analysed, offset);
}

test('a line of the original body has its place in the twin, which reads the same', () => {
  assert.equal(prepared.functionsReport[0]?.mode, 'twin');
  const original = prepared.code.lastIndexOf('let sum = 0;');
  const at = positionOf(analysed, original);
  const places = twinPlaces(table, analysed, at);
  assert.equal(places.length, 1, JSON.stringify(places));
  const place = offsetOf(analysed, places[0]!.line, places[0]!.column);
  assert.ok(place < original, 'the twin comes first');
  assert.ok(prepared.code.startsWith('let sum = 0;', place), prepared.code.slice(place, place + 30));
});

test('an arrow body inside a statement: the same column offset into the twin’s copy of the statement', () => {
  const original = prepared.code.lastIndexOf('item.price * item.quantity');
  const places = twinPlaces(table, analysed, positionOf(analysed, original));
  assert.equal(places.length, 1, JSON.stringify(places));
  const place = offsetOf(analysed, places[0]!.line, places[0]!.column);
  assert.ok(prepared.code.startsWith('item.price * item.quantity', place));
  assert.notEqual(place, original);
});

test('code outside a twinned function has no other place', () => {
  assert.deepEqual(twinPlaces(table, analysed, find('module.exports')), []);
});

test('code followed by a comment has its place in the twin, whose copy has the comment as spaces', () => {
  const source = ['function answer(items) {', '  const text = String(', '    count(items)); // the count', '  return text;', '}', ''].join(
    '\n',
  );
  const out = prepareSource(source, { kind: 'commonjs', header: 'const $lp = __lp, $lpF = $lp.F, $lpS = $lp.S, $lpH = $lp.H;' });
  const text = analyseSource(out.code)!;
  const original = out.code.lastIndexOf('count(items)); // the count');
  // Sixteen characters from the call end in the comment's first `/`.
  assert.equal(out.code.slice(original, original + 16), 'count(items)); /');
  const places = twinPlaces(packTable(out.map)!, text, positionOf(text, original));
  assert.equal(places.length, 1, JSON.stringify(places));
  assert.ok(out.code.startsWith('count(items));', offsetOf(text, places[0]!.line, places[0]!.column)));
});

test('code just before the next statement has its place in the twin, where that statement has its guard', () => {
  const source = 'function answer(r, s) {let c = String(m(s)); r.end(c); return c;}\n';
  const out = prepareSource(source, { kind: 'commonjs', header: 'const $lp = __lp, $lpF = $lp.F, $lpS = $lp.S, $lpH = $lp.H;' });
  const text = analyseSource(out.code)!;
  const original = out.code.lastIndexOf('m(s)); r.end(c)');
  const places = twinPlaces(packTable(out.map)!, text, positionOf(text, original));
  assert.equal(places.length, 1, JSON.stringify(places));
  assert.ok(out.code.startsWith('m(s)); ', offsetOf(text, places[0]!.line, places[0]!.column)));
});
