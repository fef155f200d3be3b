// Agent ids and snapshot ids come from agent/src/unique-id.ts, not from node:crypto (which the idle
// agent no longer loads): they must still differ between processes started together and between
// ids of one process.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';

const MODULE = fileURLToPath(new URL('../../agent/dist/unique-id.js', import.meta.url));
const PRINT = `import { processHex, uniqueHex } from ${JSON.stringify(MODULE)};
console.log(JSON.stringify({ agent: processHex(6), ids: Array.from({ length: 1000 }, uniqueHex) }));`;

interface Printed {
  agent: string;
  ids: string[];
}

const idsOfOneProcess = async (): Promise<Printed> =>
  JSON.parse((await promisify(execFile)(process.execPath, ['--input-type=module', '-e', PRINT])).stdout) as Printed;

test('processes started together get different agent suffixes and snapshot ids, each id distinct and 16 hex digits', async () => {
  const printed = await Promise.all(Array.from({ length: 8 }, idsOfOneProcess));
  const suffixes = printed.map((p) => p.agent);
  assert.equal(new Set(suffixes).size, suffixes.length, `agent suffixes repeat: ${suffixes.join(' ')}`);
  for (const suffix of suffixes) assert.match(suffix, /^[0-9a-f]{6}$/);
  const ids = printed.flatMap((p) => p.ids);
  assert.equal(new Set(ids).size, ids.length, 'every snapshot id of every process is distinct');
  for (const id of ids) assert.match(id, /^[0-9a-f]{16}$/);
});
