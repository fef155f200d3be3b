/**
 * A map read through a prepared text's positions (ScriptSourceMap.throughRunningText): a file
 * prepared as it loads runs with guards inserted under its input's own map, so that map's columns
 * alone place a breakpoint, and read a stop, elsewhere on a minified bundle's one line. And a map
 * file's name read from the comment (loadSourceMap).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@liveprobe/harness';
import { transform } from 'esbuild';
import ts from 'typescript';
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

test('a line given alone (column 0) on an indented line reads the line’s first code: a class method’s first line, where a prepared exception site stands for its function', async () => {
  const source = [
    'export class Game {',
    '  enter(letters: string[]): boolean {',
    '    const word = letters.join("");',
    '    return Array.from(word).length > 4;',
    '  }',
    '}',
    '',
  ].join('\n');
  // tsc maps each line from its first token, as Vite's server output does: no mapping at column 0 of an indented line.
  const out = ts.transpileModule(source, {
    compilerOptions: { sourceMap: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
    fileName: 'game.ts',
  });
  const map = await loadSourceMap('/srv/app/game.js', `data:application/json;base64,${Buffer.from(out.sourceMapText!).toString('base64')}`);
  const lines = out.outputText.split('\n');
  const line = lines.findIndex((l) => l.includes('enter(letters)')) + 1;
  assert.match(lines[line - 1]!, /^\s+enter/, 'the method’s line is indented');
  assert.equal(map.originalFor(line, 0)?.line, 2);
  assert.equal(map.originalFor(line + 1, 0)?.line, 3);
  assert.equal(map.originalFor(line, 9)?.line, 2, 'a column inside the line reads as before');
});

test('a map comment naming a file with a bare % (`100%.js.map`, no URL escape) reads that file', async (t) => {
  const dir = await tempDir('liveprobe-map-name-');
  t.after(() => dir.remove());
  const out = await transform(SOURCE, { format: 'esm', sourcemap: 'external', sourcefile: 'handle.js' });
  await writeFile(join(dir.path, '100%.js'), `${out.code}//# sourceMappingURL=100%.js.map\n`);
  await writeFile(join(dir.path, '100%.js.map'), out.map);
  // Before, the name was read as a URL only: its `%.` is no escape, and decoding it threw `URI malformed`.
  const map = await loadSourceMap(join(dir.path, '100%.js'), '100%.js.map');
  assert.deepEqual([...map.sources()], [join(dir.path, 'handle.js')]);
});
