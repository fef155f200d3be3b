/** The transform's line bookkeeping (agent/src/prepare/text-builder.ts): lines of offsets, insert order, line counts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Insert, LineFinder, lineCountOf, lineStartsOf, sortByOffset } from '../../../agent/src/prepare/text-builder.js';

const TEXT = 'a\nbb\r\nccc\rd\u2028e\u2029\n\nlast line';

/** The line of `offset` by counting, the plain way. */
function lineByCounting(starts: readonly number[], offset: number): number {
  let line = 1;
  while (line < starts.length && starts[line]! <= offset) line++;
  return line;
}

test('LineFinder gives the line of any offset, asked in ascending, descending, repeated or scattered order', () => {
  const starts = lineStartsOf(TEXT);
  const offsets = [...Array(TEXT.length + 1).keys()];
  const orders = [
    offsets,
    [...offsets].reverse(),
    offsets.flatMap((o) => [o, o]),
    offsets.map((_, i) => (i * 7) % offsets.length),
    [0, TEXT.length, 3, 3, 4, 25, 1, 12],
  ];
  for (const order of orders) {
    const finder = new LineFinder(starts);
    for (const offset of order) assert.equal(finder.lineOf(offset), lineByCounting(starts, offset), `offset ${offset}`);
  }
  // Far below the last line found: past the few lines it steps before searching.
  const long = lineStartsOf('x\n'.repeat(100));
  const finder = new LineFinder(long);
  assert.equal(finder.lineOf(0), 1);
  assert.equal(finder.lineOf(150), 76);
  assert.equal(finder.lineOf(151), 76);
  assert.equal(finder.lineOf(152), 77);
  assert.equal(finder.lineOf(2), 2);
});

test('sortByOffset orders inserts by offset and keeps those at one offset in the order they were pushed', () => {
  const inserts = (ats: number[]): Insert[] => ats.map((at, i) => ({ at, text: `${i}` }));
  const inOrder = inserts([0, 3, 3, 5]);
  const same = [...inOrder];
  sortByOffset(inOrder);
  assert.deepEqual(inOrder, same);
  const mixed = inserts([5, 3, 0, 3, 5, 1]);
  sortByOffset(mixed);
  assert.deepEqual(
    mixed.map((i) => `${i.at}:${i.text as string}`),
    ['0:2', '1:5', '3:1', '3:3', '5:0', '5:4'],
  );
});

test('lineCountOf counts the lines V8 counts, as lineStartsOf lists them', () => {
  for (const text of ['', 'one', 'a\n', 'a\nb', '\n\n', 'a\r\nb', 'a\rb', 'a\r\n\r\nb', 'a\u2028b\u2029c', TEXT])
    assert.equal(lineCountOf(text), lineStartsOf(text).length, JSON.stringify(text));
});
