/**
 * A duration looks up its function in the whole file's analysis (agent/src/locate/function-range.ts).
 * Each lookup used to walk the file's whole tree again: in an 8.5 MB prepared bundle, 0.2-0.4 s
 * of the worker's time per duration installed, twice for one action (its plan on prepared sites,
 * then its breakpoints). The list of functions is now made once per analysis and kept with it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { functionAtPlaces, functionsNamed } from '../../../agent/src/locate/function-range.js';
import { analyseSource, type AnalysedSource } from '../../../agent/src/locate/source-analysis.js';

const SOURCE = ['function first(a) {', '  return a + 1;', '}', 'const second = (b) => {', '  throw new Error(b);', '};', ''].join('\n');

function analysed(): AnalysedSource {
  const result = analyseSource(SOURCE);
  assert.ok(result !== undefined);
  return result;
}

test('the functions of one analysis are listed once: a later lookup does not walk the tree again', () => {
  const a = analysed();
  assert.equal(functionAtPlaces(a, [SOURCE.indexOf('return')])?.name, 'first');
  // Emptied, the tree has no functions left: only a kept list still finds them.
  const program = a.program as unknown as { body: unknown[] };
  program.body = [];
  const second = functionAtPlaces(a, [SOURCE.indexOf('throw')]);
  assert.equal(second?.name, 'second');
  assert.deepEqual(second?.throws, [SOURCE.indexOf('throw')]);
});

test('each analysis has its own list', () => {
  const a = analysed();
  assert.equal(functionAtPlaces(a, [SOURCE.indexOf('return')])?.name, 'first');
  const b = analysed();
  (b.program as unknown as { body: unknown[] }).body = [];
  assert.equal(functionAtPlaces(b, [SOURCE.indexOf('return')]), undefined);
  assert.deepEqual(
    functionsNamed(a, 'second').map((f) => f.name),
    ['second'],
  );
});
