/** Prepared files' site counts: each file's own, in shared buffers that many files share. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { siteCounts } from '../../../agent/src/main/site-count-slabs.js';

test("files' counts are zeroed, shared with another thread, and never overlap; a file larger than a slab gets a buffer of its own", () => {
  const files = [siteCounts(3), siteCounts(0), siteCounts(5), siteCounts(2 ** 20 + 1), siteCounts(4)];
  for (const counts of files) {
    assert.ok(counts.buffer instanceof SharedArrayBuffer);
    assert.ok(counts.every((c: number) => c === 0));
  }
  assert.deepEqual(
    files.map((f) => f.length),
    [3, 0, 5, 2 ** 20 + 1, 4],
  );
  for (const [i, counts] of files.entries()) counts.fill(i + 1);
  for (const [i, counts] of files.entries())
    assert.ok(
      counts.every((c: number) => c === i + 1),
      `file ${i} kept its own counts`,
    );
});
