/** The one rule for the line an action reports, whether V8 stops for it or a prepared site runs it (code-less-lines.test.ts runs it end to end). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reportedOffset } from '../../../agent/src/locate/reported-line.js';
import { analyseSource } from '../../../agent/src/locate/source-analysis.js';

const SOURCE = `function tally(row) {

  const {
    body,
    ...rest
  } = columnsOf(row);
  const total = [
    rest.id,
    1,
  ].reduce((a, b) => a + b, 0);
  return total;
}
`;

test("V8 stopping further into the statement an action was asked before reports that statement's start, where a prepared site sits", () => {
  const analysed = analyseSource(SOURCE)!;
  const asked = SOURCE.indexOf('\n\n') + 1;
  assert.deepEqual(reportedOffset(analysed, asked, SOURCE.indexOf('columnsOf')), { offset: SOURCE.indexOf('const {'), partWay: false });
  assert.deepEqual(reportedOffset(analysed, SOURCE.indexOf('const {'), SOURCE.indexOf('const {')), {
    offset: SOURCE.indexOf('const {'),
    partWay: false,
  });
});

test('V8 stopping part-way into a statement already under way at the place asked reports where it stopped', () => {
  const analysed = analyseSource(SOURCE)!;
  assert.deepEqual(reportedOffset(analysed, SOURCE.indexOf('body,'), SOURCE.indexOf('columnsOf')), {
    offset: SOURCE.indexOf('columnsOf'),
    partWay: true,
  });
  assert.deepEqual(reportedOffset(analysed, SOURCE.indexOf('rest.id'), SOURCE.indexOf('reduce')), {
    offset: SOURCE.indexOf('reduce'),
    partWay: true,
  });
});
