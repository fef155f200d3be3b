/**
 * A log line's header (log-header.ts) reads back as written: template, key and flags in one
 * number while they fit, and written wide, never wrongly, once a key or template id is past it.
 * The header is worked out once per action (headerOf) and its trace flag added per line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FORMAT_LIMIT, type Header, headerOf, IN_TRACE, KEY_LIMIT, readHeader, WIDE, writeHeader } from '../../agent/src/log-header.js';

/** Writes a header as a hit does: the action's, and its line's trace flag. */
function write(numbers: Float64Array, at: number, format: number, key: number, flags: number): number {
  return writeHeader(numbers, at, headerOf(format, key, flags & ~IN_TRACE), format, key, (flags & IN_TRACE) !== 0);
}

/** Writes the header after a number already there, then reads it back: what was read, the numbers it took, the numbers read. */
function roundTrip(format: number, key: number, flags: number): [Omit<Header, 'head'>, number, number] {
  const numbers = new Float64Array(8);
  numbers[0] = 42;
  const end = write(numbers, 1, format, key, flags);
  const header: Header = { head: Number.NaN, format: -1, key: -1, flags: -1 };
  const read = readHeader(numbers, 1, header);
  assert.equal(numbers[0], 42, 'nothing before the header is written');
  return [{ format: header.format, key: header.key, flags: header.flags }, end - 1, read - 1];
}

test('template, key and flags share one number while they fit, and read back exactly', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: FORMAT_LIMIT - 1 }), fc.nat(KEY_LIMIT - 1), fc.nat(7), (format, key, flags) => {
      assert.deepEqual(roundTrip(format, key, flags), [{ format, key, flags }, 1, 1]);
    }),
  );
  assert.deepEqual(roundTrip(FORMAT_LIMIT - 1, KEY_LIMIT - 1, 7), [{ format: FORMAT_LIMIT - 1, key: KEY_LIMIT - 1, flags: 7 }, 1, 1]);
  // A line without a template (its text made on the app's thread) keeps the key.
  assert.deepEqual(roundTrip(0, 1, 4), [{ format: 0, key: 1, flags: 4 }, 1, 1]);
});

test('a key or template id past what fits is written wide, and reads back exactly, through JSON too', () => {
  for (const [format, key] of [
    [FORMAT_LIMIT, 1],
    [3, KEY_LIMIT],
    [2 ** 40, 2 ** 40],
    // Neither a template nor a key: a packed header would read as a wide one's flags.
    [0, 0],
  ]) {
    const [header, written, read] = roundTrip(format!, key!, 5);
    assert.deepEqual([header, written, read], [{ format, key, flags: 5 | WIDE }, 3, 3], `template ${format}, key ${key}`);
  }
  const numbers = new Float64Array(3);
  write(numbers, 0, 9, KEY_LIMIT + 1, 2);
  const header: Header = { head: Number.NaN, format: -1, key: -1, flags: -1 };
  readHeader(JSON.parse(JSON.stringify(Array.from(numbers))) as number[], 0, header);
  assert.deepEqual(header, { head: Number.NaN, format: 9, key: KEY_LIMIT + 1, flags: 2 | WIDE });
});
