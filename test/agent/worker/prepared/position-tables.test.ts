/**
 * The worker's fallback for a file whose binding could not share its position table: the table
 * rebuilt from the input is the one the binding would have shared, and only for the very text
 * that runs (an input edited since it loaded gives none).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packTable } from '../../../../agent/src/prepare/packed-table.js';
import { prepareFile } from '../../../../agent/src/prepare/prepare-file.js';
import { commonJsHeader } from '../../../../agent/src/prepare/prepared-messages.js';
import { positionTableOf } from '../../../../agent/src/worker/prepared/position-tables.js';
import { tempDir } from '../../../helpers/index.js';

const SOURCE = [
  'function total(items) {',
  '  let sum = 0;',
  '  for (const item of items) sum += item;',
  '  return sum;',
  '}',
  'module.exports = { total };',
  '',
].join('\n');

test('a file prepared as it loaded: its table rebuilt from the input, and none once the input changed', async (t) => {
  const dir = await tempDir('liveprobe-position-tables-');
  t.after(() => dir.remove());
  const path = join(dir.path, 'total.js');
  writeFileSync(path, SOURCE);
  const loaded = prepareFile(SOURCE, 'commonjs', commonJsHeader(), undefined);
  assert.ok(loaded.kind !== 'failed');
  assert.ok(loaded.output.functions > 0, 'a twinned function');
  const file = { script: path, written: path, prebuilt: false };
  const table = await positionTableOf(file, loaded.output.code, undefined);
  assert.deepEqual(table && [...table], [...packTable(loaded.output.map)!]);
  writeFileSync(path, `${SOURCE}// edited\n`);
  assert.equal(await positionTableOf(file, loaded.output.code, undefined), undefined);
});
