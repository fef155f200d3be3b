/**
 * A file prepared at build time holds its data (sites, flag count, position table, map name, site
 * names) as JSON the worker reads back from the file's text without evaluating it: the CommonJS
 * file's `$lpD`, an ES module's flags module. The position table and the sites are written
 * packed, as base64 text that decodes straight into shared memory, the site names as JSON text;
 * a file written before holds the table's object, which still gives the same table.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  COMMONJS_DATA,
  MODULE_DATA,
  readBuildData,
  siteNamesOfText,
  tableOfData,
  type BuildData,
} from '../../../agent/src/prepare/build-data.js';
import { prepareForBuild } from '../../../agent/src/prepare/build-output.js';
import { packTable } from '../../../agent/src/prepare/packed-table.js';
import { sharedInts, unpackText } from '../../../agent/src/prepare/packed-text.js';

const SOURCE = [
  'function total(items) {',
  "  const note = 'function $lpD() { return [1]; }';",
  '  let sum = 0;',
  '  for (const item of items) sum += item.price;',
  '  return sum;',
  '}',
  'module.exports = { total };',
  '',
].join('\n');

test("a CommonJS file's data reads back from its own text, whatever the code's strings hold", () => {
  const built = prepareForBuild({ source: SOURCE, kind: 'commonjs', name: 'total.js' });
  const data = readBuildData(built.code, COMMONJS_DATA);
  assert.ok(data !== undefined);
  assert.deepEqual(data[0], [], 'an older agent, which reads only this, binds the file with no sites');
  assert.equal(data[1], built.output.functions);
  assert.equal(data[2], null, 'an older agent, which reads only this, binds the file without a table');
  assert.equal(data[3], 'total.js.lp.map');
  assert.equal(data[4], null);
  assert.equal(typeof data[5], 'string');
  const sites = sharedInts(data[6]!);
  assert.ok(sites?.buffer instanceof SharedArrayBuffer, 'the sites decode into shared memory');
  assert.deepEqual([...sites], built.output.sites);
  assert.ok(built.output.siteNames.names.includes('sum'));
  assert.deepEqual(siteNamesOfText(data[7]!), built.output.siteNames);
  const table = tableOfData(data);
  assert.ok(table?.buffer instanceof SharedArrayBuffer, 'decoded into shared memory');
  assert.deepEqual([...table], [...packTable(built.output.map)!]);
});

test('data written before the table was packed (its object in place of the text) gives the same table', () => {
  const built = prepareForBuild({ source: SOURCE, kind: 'commonjs', name: 'total.js' });
  const older = readBuildData(built.code, COMMONJS_DATA)!.slice(0, 5) as BuildData;
  older[0] = built.output.sites;
  older[4] = built.output.siteNames;
  older[2] = built.output.map;
  const table = tableOfData(older);
  assert.ok(table?.buffer instanceof SharedArrayBuffer);
  assert.deepEqual([...table], [...packTable(built.output.map)!]);
});

test('a damaged packed table gives none', () => {
  const text = readBuildData(prepareForBuild({ source: SOURCE, kind: 'commonjs', name: 'total.js' }).code, COMMONJS_DATA)![5]!;
  assert.ok(unpackText(text) instanceof Int32Array);
  // null, not undefined: a damaged text is not worth trying again (as a table without shared memory is).
  assert.equal(unpackText(text.slice(0, -4)), null, 'cut short');
  assert.equal(unpackText(text.slice(0, -16)), null, 'cut short by whole entries');
  assert.equal(unpackText(`${text.slice(0, 8)}!!!!${text.slice(12)}`), null, 'not base64');
  assert.equal(unpackText(''), null);
});

test('damaged packed sites or site names give none', () => {
  const data = readBuildData(prepareForBuild({ source: SOURCE, kind: 'commonjs', name: 'total.js' }).code, COMMONJS_DATA)!;
  assert.equal(sharedInts(`${data[6]!.slice(0, 8)}!!!!${data[6]!.slice(12)}`), null, 'not base64');
  assert.equal(sharedInts(data[6]!.slice(1)), null, 'cut short');
  assert.deepEqual(siteNamesOfText(data[7]!.slice(0, -2)), { names: [], lists: [], bySite: [] });
  assert.deepEqual(siteNamesOfText('{"names":1}'), { names: [], lists: [], bySite: [] });
});

test("an ES module's data reads back from its flags module; a text without data gives none", () => {
  const built = prepareForBuild({
    source: SOURCE.replace('module.exports = { total };', 'export { total };'),
    kind: 'module',
    name: 'total.mjs',
  });
  const data = readBuildData(built.flagsModule!, MODULE_DATA);
  assert.deepEqual([...tableOfData(data!)!], [...packTable(built.output.map)!]);
  assert.equal(readBuildData(SOURCE, MODULE_DATA), undefined);
  assert.equal(readBuildData('function $lpD() { return [1, ; }\n', COMMONJS_DATA), undefined);
});
