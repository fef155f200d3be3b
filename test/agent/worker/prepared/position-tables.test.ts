/**
 * The worker's fallback for a file whose binding could not share its position table: the table
 * rebuilt from the input is the one the binding would have shared, and only for the very text
 * that runs (an input edited since it loaded gives none); a file prepared at build time gives the
 * table its data holds, packed (or, written before, as an object).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { test } from 'node:test';
import { prepareForBuild } from '../../../../agent/src/prepare/build-output.js';
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

test('a file prepared at build time: its table from its own data, CommonJS and an ES module beside its flags module', async (t) => {
  const dir = await tempDir('liveprobe-position-tables-');
  t.after(() => dir.remove());
  const commonJs = prepareForBuild({ source: SOURCE, kind: 'commonjs', name: 'total.js' });
  const cjsTable = await positionTableOf({ script: join(dir.path, 'total.js'), written: '', prebuilt: true }, commonJs.code, undefined);
  assert.ok(cjsTable?.buffer instanceof SharedArrayBuffer);
  assert.deepEqual([...cjsTable], [...packTable(commonJs.output.map)!]);
  const module = prepareForBuild({
    source: SOURCE.replace('module.exports = { total };', 'export { total };'),
    kind: 'module',
    name: 'total.mjs',
  });
  const path = join(dir.path, 'total.mjs');
  writeFileSync(path, module.code);
  writeFileSync(`${path}.lp-flags.mjs`, module.flagsModule!);
  const script = pathToFileURL(path).href;
  const moduleTable = await positionTableOf({ script, written: '', prebuilt: true }, module.code, undefined);
  assert.deepEqual(moduleTable && [...moduleTable], [...packTable(module.output.map)!]);
  assert.equal(await positionTableOf({ script, written: '', prebuilt: true }, `${module.code}// edited\n`, undefined), undefined);
});
