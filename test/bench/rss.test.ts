// The memory benchmarks' reading of a process's memory from /proc: what it writes shows as its
// own (USS), while the node binary's pages it shares with other Node processes do not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Child } from '@liveprobe/harness';
import { residentMemoryOf, rssOf, type ResidentMemory } from '../../bench/lib/rss.js';

const MIB = 1024 * 1024;
/** A Node process that, on each line of stdin, writes a new 64 MiB buffer and keeps it. */
const FILLER = [
  'const kept = [];',
  "require('node:readline').createInterface({ input: process.stdin }).on('line', () => {",
  '  kept.push(Buffer.alloc(64 * 1024 * 1024, 1));',
  "  console.log('filled ' + kept.length);",
  '});',
  "console.log('ready');",
].join('\n');

async function read(pid: number): Promise<ResidentMemory> {
  const memory = await residentMemoryOf(pid);
  assert.ok(memory !== undefined, `no /proc/${pid}/smaps_rollup for a running process`);
  return memory;
}

test("a process's private memory grows by what it writes, and the node binary it shares with other Node processes is not private", async () => {
  const child = new Child(process.execPath, ['-e', FILLER], { name: 'filler', input: true });
  try {
    await child.waitForLine((text) => text === 'ready', 30_000, '"ready"');
    const before = await read(child.pid);
    child.write('fill\n');
    await child.waitForLine((text) => text === 'filled 1', 30_000, '"filled 1"');
    const after = await read(child.pid);
    for (const memory of [before, after]) {
      assert.ok(memory.uss <= memory.pss && memory.pss <= memory.rss, `USS ≤ PSS ≤ RSS: ${JSON.stringify(memory)}`);
      // This test's own process runs the same node binary: the code pages both use are shared.
      assert.ok(memory.rss - memory.uss >= 4 * MIB, `shared pages (RSS − USS) of a Node process: ${JSON.stringify(memory)}`);
    }
    assert.ok(after.uss - before.uss >= 60 * MIB, `USS grew by ${(after.uss - before.uss) / MIB} MiB after writing 64 MiB`);
    assert.ok(after.rss - before.rss >= 60 * MIB, `RSS grew by ${(after.rss - before.rss) / MIB} MiB after writing 64 MiB`);
    // The same resident set as the kernel's VmRSS, read a moment apart from a process now idle.
    const rss = await rssOf(child.pid);
    assert.ok(rss !== undefined && Math.abs(rss - after.rss) < 8 * MIB, `VmRSS ${rss} vs smaps_rollup's Rss ${after.rss}`);
  } finally {
    await child.stop();
  }
});

test('a process that has ended has no memory to read', async () => {
  const child = new Child(process.execPath, ['-e', "console.log('ready')"], { name: 'short-lived' });
  await child.waitForLine((text) => text === 'ready', 30_000, '"ready"');
  await child.exited;
  assert.equal(await residentMemoryOf(child.pid), undefined);
});
