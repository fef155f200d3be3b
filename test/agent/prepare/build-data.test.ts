/**
 * A file prepared at build time holds its data (sites, flag count, position table, map name, site
 * names) as JSON the worker reads back from the file's text without evaluating it: the CommonJS
 * file's `$lpD`, an ES module's flags module.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMONJS_DATA, MODULE_DATA, readBuildData } from '../../../agent/src/prepare/build-data.js';
import { prepareForBuild } from '../../../agent/src/prepare/build-output.js';

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
  assert.deepEqual(data[0], built.output.sites);
  assert.equal(data[1], built.output.functions);
  assert.deepEqual(data[2], built.output.map);
  assert.equal(data[3], 'total.js.lp.map');
  assert.deepEqual(data[4], built.output.siteNames);
});

test("an ES module's data reads back from its flags module; a text without data gives none", () => {
  const built = prepareForBuild({
    source: SOURCE.replace('module.exports = { total };', 'export { total };'),
    kind: 'module',
    name: 'total.mjs',
  });
  assert.deepEqual(readBuildData(built.flagsModule!, MODULE_DATA)?.[2], built.output.map);
  assert.equal(readBuildData(SOURCE, MODULE_DATA), undefined);
  assert.equal(readBuildData('function $lpD() { return [1, ; }\n', COMMONJS_DATA), undefined);
});
