/**
 * Sources a bundler names by a URL of its own (webpack's `webpack://<namespace>/./src/x.ts`): read as
 * the project's files, under the project's folder; the bundler's own code (its runtime, bootstrap
 * and externals) matched by no user's path.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { bundlerSource } from '../../../agent/src/locate/bundler-urls.js';
import { loadSourceMap } from '../../../agent/src/locate/source-maps.js';
import { tempDir } from '../../helpers/index.js';

test('a source URL of a bundler’s own scheme is a project path from its first ./ or ../ segment, or the bundler’s own code', () => {
  const cases: [string, string | undefined, ReturnType<typeof bundlerSource>][] = [
    ['webpack://@acme/shop/./src/inventory.ts', undefined, { kind: 'project', relative: './src/inventory.ts' }],
    ['webpack:///./src/inventory.ts', undefined, { kind: 'project', relative: './src/inventory.ts' }],
    ['webpack://shop/../shared/money.ts', undefined, { kind: 'project', relative: '../shared/money.ts' }],
    // webpack's query telling two modules of one file apart, and its eval devtools' script names.
    ['webpack://shop/./src/inventory.ts?5a74', undefined, { kind: 'project', relative: './src/inventory.ts' }],
    ['webpack-internal:///./src/inventory.ts', undefined, { kind: 'project', relative: './src/inventory.ts' }],
    ['./src/inventory.ts', 'webpack://shop/', { kind: 'project', relative: './src/inventory.ts' }],
    ['webpack://@acme/shop/webpack/runtime/define property getters', undefined, { kind: 'own' }],
    ['webpack://@acme/shop/webpack/bootstrap', undefined, { kind: 'own' }],
    ['webpack://@acme/shop/external node-commonjs "node:http"', undefined, { kind: 'own' }],
    // Paths and the URLs of places are read as they are.
    ['../src/inventory.ts', undefined, undefined],
    ['/app/src/inventory.ts', undefined, undefined],
    ['file:///app/src/inventory.ts', undefined, undefined],
    ['https://cdn.example.com/src/inventory.ts', undefined, undefined],
    ['inventory.ts', '/app/src', undefined],
  ];
  for (const [source, sourceRoot, expected] of cases) assert.deepEqual(bundlerSource(source, sourceRoot), expected, source);
});

/** A webpack-style map of `dist/server.js` with one project source and the runtime. */
const MAP = JSON.stringify({
  version: 3,
  file: 'server.js',
  sources: ['webpack://@acme/shop/./src/inventory.ts', 'webpack://@acme/shop/webpack/bootstrap'],
  names: [],
  mappings: 'AAAA;ACAA',
});

test('a webpack map’s project sources are read under the folder above the bundle that holds them; its runtime is no source', async (t) => {
  const dir = await tempDir('liveprobe-bundler-sources-');
  t.after(() => dir.remove());
  await mkdir(join(dir.path, 'app', 'src'), { recursive: true });
  await mkdir(join(dir.path, 'app', 'dist'));
  await writeFile(join(dir.path, 'app', 'src', 'inventory.ts'), 'export {};\n');
  await writeFile(join(dir.path, 'app', 'dist', 'server.js.map'), MAP);
  const map = await loadSourceMap(join(dir.path, 'app', 'dist', 'server.js'), 'server.js.map');
  assert.deepEqual([...map.sources()], [join(dir.path, 'app', 'src', 'inventory.ts')]);
  assert.equal(map.originalFor(1, 0)?.file, join(dir.path, 'app', 'src', 'inventory.ts'));
  assert.equal(map.originalFor(2, 0)?.file, 'webpack://@acme/shop/webpack/bootstrap', 'a frame in the runtime keeps its URL');
});

test('without the sources deployed, a webpack map’s project paths are read from the nearest folder with a package.json', async (t) => {
  const dir = await tempDir('liveprobe-bundler-sources-');
  t.after(() => dir.remove());
  await mkdir(join(dir.path, 'app', 'dist', 'main'), { recursive: true });
  await writeFile(join(dir.path, 'app', 'package.json'), '{}\n');
  await writeFile(join(dir.path, 'app', 'dist', 'main', 'server.js.map'), MAP);
  const map = await loadSourceMap(join(dir.path, 'app', 'dist', 'main', 'server.js'), 'server.js.map');
  assert.deepEqual([...map.sources()], [join(dir.path, 'app', 'src', 'inventory.ts')]);
});

test('a Next.js chunk is no source: a page’s module run from an eval string (`next dev`) reads its map’s paths from the project above `.next/`, where the chunk mirrors the page’s path', async (t) => {
  const dir = await tempDir('liveprobe-bundler-sources-');
  t.after(() => dir.remove());
  await mkdir(join(dir.path, 'app', 'pages'), { recursive: true });
  await mkdir(join(dir.path, 'app', '.next', 'server', 'pages'), { recursive: true });
  await writeFile(join(dir.path, 'app', 'pages', 'shelf.js'), 'export {};\n');
  const chunk = join(dir.path, 'app', '.next', 'server', 'pages', 'shelf.js');
  await writeFile(chunk, 'eval("…");\n');
  const map = { version: 3, sources: ['webpack://app/./pages/shelf.js?5a1e'], names: [], mappings: 'AAAA' };
  const inline = `data:application/json;charset=utf-8;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}`;
  // The module's map is read from the chunk's folder: the file V8 compiled before it.
  const read = await loadSourceMap(chunk, inline);
  assert.deepEqual([...read.sources()], [join(dir.path, 'app', 'pages', 'shelf.js')], 'before, .next/server/pages/shelf.js, the chunk');
});
