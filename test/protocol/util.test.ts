// Whole counts grouped by thousands without Intl, which would map ICU's locale data into the
// app's memory: the agent's statuses and the protocol's messages use it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { grouped } from '@liveprobe/protocol/util';

test('counts read grouped by thousands, as an English reader expects', () => {
  const cases: Array<[number, string]> = [
    [0, '0'],
    [7, '7'],
    [999, '999'],
    [1000, '1,000'],
    [12_345, '12,345'],
    [100_000, '100,000'],
    [1_234_567, '1,234,567'],
  ];
  for (const [count, text] of cases) assert.equal(grouped(count), text, `${count}`);
});
