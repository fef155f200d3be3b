// The agent reads its own files through a 64 KiB buffer (agent/src/own-file-text.ts), so no
// block over glibc's mmap threshold is freed: the text must come out as Node's own reading gives
// it, also where a character of several bytes straddles two reads.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@liveprobe/harness';
import { readOwnFileText } from '../../agent/src/own-file-text.js';

test('a file of several buffers, multi-byte characters across their edges, reads as readFileSync reads it', async (t) => {
  const dir = await tempDir('liveprobe-own-file-');
  t.after(() => dir.remove());
  for (const [name, size] of [
    ['empty', 0],
    ['one buffer', 1000],
    ['several', 300_000],
  ] as const) {
    const file = join(dir.path, `${name}.txt`);
    // 'é' (2 bytes), '€' (3) and '𝄞' (4) repeated: every 64 KiB edge falls inside some character.
    writeFileSync(file, 'a é € 𝄞 '.repeat(Math.ceil(size / 14)).slice(0, size));
    assert.equal(readOwnFileText(file), readFileSync(file, 'utf8'), name);
  }
});

test('a missing file is the error Node gives', () => {
  assert.throws(() => readOwnFileText('/nonexistent/liveprobe-file.js'), { code: 'ENOENT' });
});
