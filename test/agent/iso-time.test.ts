/**
 * The agent's UTC timestamps (agent/src/iso-time.ts) read exactly as `Date#toISOString` writes
 * them, without V8's date formatting (which loads ICU's time-zone data into the process), and
 * without a look-up the app could have redirected.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoTime } from '../../agent/src/iso-time.js';

const DAY = 86_400_000;

test('the same text as toISOString: the epoch, day and year ends, leap days, century rules, the last year of four digits', () => {
  const times = [
    0,
    1,
    999,
    DAY - 1,
    DAY,
    Date.UTC(2000, 1, 29, 23, 59, 59, 999), // a leap day in a century divisible by 400
    Date.UTC(2100, 1, 28, 12),
    Date.UTC(2100, 2, 1), // 2100 is not a leap year
    Date.UTC(2024, 11, 31, 23, 59, 59, 999),
    Date.UTC(2026, 11, 5, 21, 4, 5, 67),
    Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    1.5, // a fraction of a millisecond is dropped, as Date drops it
  ];
  for (const ms of times) assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
});

test('the same text as toISOString over a sweep of times from 1970 to 9999', () => {
  // A fixed linear congruential sequence: the same times every run.
  let seed = 12345;
  const last = Date.UTC(10000, 0, 1);
  for (let k = 0; k < 200_000; k++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const ms = Math.floor((seed / 2 ** 31) * last);
    assert.equal(isoTime(ms), new Date(ms).toISOString());
  }
});

test("times Date writes with a sign and six digits go to Date's own text; an invalid time throws as Date does", () => {
  for (const ms of [-1, Date.UTC(10000, 0, 1), Date.UTC(-1, 0, 1)]) assert.equal(isoTime(ms), new Date(ms).toISOString());
  assert.throws(() => isoTime(Number.NaN), RangeError);
});

test('an app that replaced Date, its toISOString and Number#toString does not change the text', (t) => {
  const expected = new Date(Date.UTC(2026, 11, 5, 9, 8, 7, 6)).toISOString();
  const ms = Date.UTC(2026, 11, 5, 9, 8, 7, 6);
  const original = { date: globalThis.Date, iso: Date.prototype.toISOString, numberToString: Number.prototype.toString };
  t.after(() => {
    globalThis.Date = original.date;
    Date.prototype.toISOString = original.iso;
    Number.prototype.toString = original.numberToString;
  });
  Date.prototype.toISOString = () => 'replaced';
  Number.prototype.toString = () => 'replaced';
  globalThis.Date = class extends original.date {} as DateConstructor;
  assert.equal(isoTime(ms), expected);
});
