/** `liveprobe prepare`'s default number of threads (cli/src/prepare/prepare-tree.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultJobs, MIN_BYTES_PER_THREAD } from '../../../cli/src/prepare/prepare-tree.js';

test('without --jobs, a thread per core as long as each gets a MiB of input or more; never none', () => {
  assert.equal(defaultJobs(0, 8), 1);
  assert.equal(defaultJobs(2 * MIN_BYTES_PER_THREAD - 1, 8), 1);
  assert.equal(defaultJobs(2 * MIN_BYTES_PER_THREAD, 8), 2);
  assert.equal(defaultJobs(5.5 * MIN_BYTES_PER_THREAD, 4), 4);
  assert.equal(defaultJobs(50 * MIN_BYTES_PER_THREAD, 1), 1);
});
