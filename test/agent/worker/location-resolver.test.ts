/**
 * What the worker keeps of the source maps of an app's loaded scripts (location-resolver.ts): an
 * app compiled by tsc loads hundreds of scripts with a map each, and a resolve looks through all
 * of them for the one that holds the requested source. Driven through the probe engine and a
 * fake CDP target (fake-target.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { engineOn, FakeTarget, testAction } from './fake-target.js';

/** More scripts than the resolver keeps parsed maps of (32). */
const SCRIPTS = 40;
/** Each generated line N maps to line N, column 0, of the script's one source. */
const LINE_FOR_LINE = 'AAAA;AACA;AACA;AACA';

function inlineMap(source: string, mappings = LINE_FOR_LINE): string {
  const map = { version: 3, sources: [source], names: [], mappings };
  return `data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}`;
}

function compiledApp(target: FakeTarget, count = SCRIPTS): string[] {
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const path = `/app/dist/m${i}.js`;
    target.load(path, `export function f${i}(n) {\n  const m = n + ${i};\n  return m;\n}\n`, inlineMap(`../src/m${i}.ts`));
    paths.push(path);
  }
  return paths;
}

test("an action in one file of an app with many mapped scripts keeps only that script's map parsed, the others' sources only", async (t) => {
  const target = new FakeTarget();
  compiledApp(target);
  const engine = engineOn(t, target);
  await engine.reconcile([testAction('a1', { file: 'src/m7.ts', line: 3 })]);
  assert.deepEqual(target.states('a1'), ['installed']);
  assert.deepEqual(target.statuses[0]!.location, { file: 'src/m7.ts', line: 3 });
  assert.deepEqual(target.lines(), [3]);
  // Before: every script's map stayed parsed until the session closed.
  assert.deepEqual(engine.locations.held, { maps: 1, mapBytes: engine.locations.held.mapBytes, sourceLists: SCRIPTS });
});

test('the parsed maps kept are bounded, and a frame in a script whose map was let go still maps to its source', async (t) => {
  const target = new FakeTarget();
  const paths = compiledApp(target);
  const engine = engineOn(t, target);
  await engine.reconcile([testAction('a1', { file: 'src/m0.ts', line: 2 })]);
  for (const [i, path] of paths.entries())
    assert.deepEqual(await engine.locations.original(path, 3, 2), { file: `/app/src/m${i}.ts`, line: 3, column: 0 });
  assert.equal(engine.locations.held.maps, 32);
  assert.deepEqual(await engine.locations.original(paths[0]!, 2, 2), { file: '/app/src/m0.ts', line: 2, column: 0 });
  assert.equal(engine.locations.held.maps, 32);
});

test("a bundle's map heavier than the bytes kept is held alone: the maps kept are bounded by their heap too", async (t) => {
  const target = new FakeTarget();
  // About 1.5 million characters of mappings: an estimated 22 MB once read, of 32 MiB kept.
  const heavy = `AAAA;${'AACA;'.repeat(300_000)}`;
  const paths = ['a', 'b', 'c'].map((name) => {
    const path = `/app/dist/${name}.js`;
    target.load(path, 'export const x = 1;\n', inlineMap(`../src/${name}.ts`, heavy));
    return path;
  });
  const engine = engineOn(t, target);
  // The session opens for an action: stacks are mapped while one is installed.
  await engine.reconcile([testAction('a1', { file: 'src/a.ts', line: 2 })]);
  for (const path of paths) assert.equal((await engine.locations.original(path, 5, 0))?.line, 5);
  assert.equal(engine.locations.held.maps, 1);
});

test('a script whose map does not read is named in a miss, and an action in a mapped script beside it still installs', async (t) => {
  const target = new FakeTarget();
  compiledApp(target, 3);
  target.load('/app/dist/broken.js', 'export const x = 1;\n', 'broken.js.map');
  const engine = engineOn(t, target);
  await engine.reconcile([testAction('a1', { file: 'src/nowhere.ts' }), testAction('a2', { file: 'src/m1.ts', line: 2 })]);
  assert.match(
    target.statuses.find((s) => s.actionId === 'a1')!.message!,
    /; 1 source map\(s\) could not be read, e\.g\. \/app\/dist\/broken\.js names the source map \/app\/dist\/broken\.js\.map, but the file does not exist;/,
  );
  assert.deepEqual(target.states('a2'), ['installed']);
  assert.deepEqual(engine.locations.held, { maps: 1, mapBytes: engine.locations.held.mapBytes, sourceLists: 4 });
});

test('a frame in a script whose map did not read is left as it is, and the map is not read again for the next frames', async (t) => {
  const target = new FakeTarget();
  compiledApp(target, 2);
  const mapFile = join(mkdtempSync(join(tmpdir(), 'liveprobe-maps-')), 'late.js.map');
  const engine = engineOn(t, target);
  await engine.reconcile([testAction('a1', { file: 'src/m1.ts', line: 2 })]);
  // Loaded after the resolve: its first frame is the first to read its map.
  target.load('/app/dist/late.js', 'export const x = 1;\nexport const y = 2;\n', pathToFileURL(mapFile).href);
  assert.equal(await engine.locations.original('/app/dist/late.js', 2, 0), undefined);
  // The map deployed late: the worker keeps what it found, as it does for a resolve.
  writeFileSync(mapFile, JSON.stringify({ version: 3, sources: ['../src/late.ts'], names: [], mappings: LINE_FOR_LINE }));
  assert.equal(await engine.locations.original('/app/dist/late.js', 2, 0), undefined);
  assert.equal(engine.locations.held.maps, 1);
});

test('a script loading while an action is on breakpoints in a file compiled file by file has its map read only when it is named like the file', async (t) => {
  const target = new FakeTarget();
  compiledApp(target);
  const engine = engineOn(t, target);
  const action = testAction('a1', { file: 'src/m7.ts', line: 3 });
  await engine.reconcile([action]);
  for (let i = SCRIPTS; i < SCRIPTS + 10; i++)
    target.load(`/app/dist/m${i}.js`, `export function f${i}(n) {\n  return n;\n}\n`, inlineMap(`../src/m${i}.ts`));
  await engine.reconcile([action]);
  // Before: each of the ten had its map read and its sources kept, to learn it did not hold src/m7.ts.
  assert.equal(engine.locations.held.sourceLists, SCRIPTS);
  assert.deepEqual(target.lines(), [3]);
  // A second compile of the file, in another folder, is read and takes the action too.
  target.load('/app/dist/legacy/m7.js', 'export function f7(n) {\n  const m = n + 7;\n  return m;\n}\n', inlineMap('../../src/m7.ts'));
  await engine.reconcile([action]);
  assert.deepEqual(target.lines(), [3, 3]);
});
