/**
 * A map read through a prepared text's positions (ScriptSourceMap.throughRunningText): a file
 * prepared as it loads runs with guards inserted under its input's own map, so that map's columns
 * alone place a breakpoint, and read a stop, elsewhere on a minified bundle's one line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transform } from 'esbuild';
import { loadSourceMap } from '../../../agent/src/locate/source-maps.js';
import { prepareSource } from '../../../agent/src/prepare/transform.js';
import { packTable, runningAt, writtenAt } from '../../../agent/src/prepare/packed-table.js';

const SOURCE = [
  'export function handle(req, res) {',
  '  const url = new URL(req.url, "http://localhost");',
  '  const answer = String(',
  '    total(url.search));',
  '  res.end(answer);',
  '}',
  'function total(text) {',
  '  return text.length;',
  '}',
  '',
].join('\n');

test('a minified bundle prepared as it loads: the line’s code, and back to its line, through the position table', async () => {
  const out = await transform(SOURCE, { minify: true, format: 'esm', sourcemap: 'inline', sourcefile: 'handle.js', legalComments: 'none' });
  const url = /\/\/# sourceMappingURL=(\S+)/.exec(out.code)![1]!;
  const map = await loadSourceMap('/srv/app/handle.min.js', url);
  const prepared = prepareSource(out.code, { kind: 'module', header: 'import { $lpF, $lpS, $lpK, $lpH } from "x";' });
  const table = packTable(prepared.map)!;
  const running = map.throughRunningText({ written: (at) => writtenAt(table, at), running: (at) => runningAt(table, at) });
  const source = [...map.sources()][0]!;

  const written = map.generatedFor(source, 4)!;
  const place = running.generatedFor(source, 4)!;
  const line = (code: string, at: { line: number; column: number }): string => code.split('\n')[at.line - 1]!.slice(at.column);
  const call = line(out.code, written).slice(0, 10);
  assert.match(call, /^\w+\(\w+\.search/, 'the input’s map places line 4 at its call');
  assert.ok(
    line(prepared.code, place).startsWith(call),
    `the running text holds the call there: ${line(prepared.code, place).slice(0, 40)}`,
  );
  assert.ok(!line(prepared.code, written).startsWith(call), 'the input’s column alone is elsewhere in the running text');
  assert.equal(running.originalFor(place.line, place.column)?.line, 4, 'and that place reads as line 4');
  assert.deepEqual(running.generatedPlacesFor(source, 4), [{ line: place.line, column: place.column }]);
});
