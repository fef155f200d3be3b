/**
 * Scripts on disk (agent/src/worker/scripts-on-disk.ts) map and name snapshot frames in scripts
 * the inspector session does not know. Stacks of an app with thousands of scripts pass through
 * many of them: the parsed maps and analyses kept stay within their bounds (the maps' by count and by
 * estimated heap, for a bundle's map of tens of megabytes), frames are still named and mapped right
 * after their map was let go, and a new frame reads its script once for both.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { transform } from 'esbuild';
import { ANALYSES_KEPT, MAP_BYTES_KEPT, MAPS_KEPT, ScriptsOnDisk } from '../../../agent/src/worker/scripts-on-disk.js';
import { tempDir } from '../../helpers/index.js';

const SCRIPTS = 2000;

/** A module whose inner function the minifier renames; `n` keeps each script's text its own. */
const source = (n: number): string => `
function chargeCard${n}(order) {
  return order.total * ${n + 2};
}
export const charge = (orders) => orders.map(chargeCard${n});
`;

/** Minified scripts with inline maps, and where each one's function body starts (line 1, 0-based column). */
async function minifiedScripts(dir: string, count: number): Promise<{ path: string; column: number }[]> {
  const scripts = [];
  for (let n = 0; n < count; n++) {
    const out = await transform(source(n), { minify: true, format: 'esm', sourcemap: 'inline', sourcefile: `orders${n}.js` });
    assert.doesNotMatch(out.code.split('\n')[0]!, /chargeCard/, 'the minifier renamed it');
    const path = join(dir, `orders${n}.min.js`);
    await writeFile(path, out.code);
    scripts.push({ path, column: out.code.indexOf('.total') });
  }
  return scripts;
}

test('thousands of mapped scripts through the cache: the maps and analyses held stay within their bounds, frames are named and mapped right before and after their map was let go, each script read once per need', async (t) => {
  const dir = await tempDir('liveprobe-scripts-on-disk-');
  t.after(() => dir.remove());
  const scripts = await minifiedScripts(dir.path, SCRIPTS);
  const reads = new Map<string, number>();
  const onDisk = new ScriptsOnDisk((path) => {
    reads.set(path, (reads.get(path) ?? 0) + 1);
    return readFile(path, 'utf8');
  });
  const frame = async (n: number) => {
    const { path, column } = scripts[n]!;
    // As a snapshot's frame asks: its name and its position at once (hit-relay.ts).
    const [name, position] = await Promise.all([onDisk.renamedFunctionAt(path, 1, column), onDisk.original(path, 1, column)]);
    return { name, line: position?.line, file: position?.file };
  };

  for (let n = 0; n < SCRIPTS; n++) {
    assert.deepEqual(await frame(n), { name: `chargeCard${n}`, line: 3, file: join(dir.path, `orders${n}.js`) }, `script ${n}`);
    assert.equal(reads.get(scripts[n]!.path), 1, `script ${n}: one read for its name and its position`);
    assert.ok(
      onDisk.held.maps <= MAPS_KEPT && onDisk.held.analyses <= ANALYSES_KEPT,
      `after ${n + 1} scripts: ${JSON.stringify(onDisk.held)}`,
    );
  }
  assert.deepEqual({ ...onDisk.held, mapBytes: 0 }, { maps: MAPS_KEPT, mapBytes: 0, analyses: ANALYSES_KEPT });

  // The first script's map was let go: its frame, at another position, is still named, through one more read.
  const first = scripts[0]!;
  assert.equal(await onDisk.renamedFunctionAt(first.path, 1, first.column + 1), 'chargeCard0');
  assert.equal(reads.get(first.path), 2);
  // The most recent script's map is held: no read for its position's mapping.
  const last = scripts[SCRIPTS - 1]!;
  assert.equal((await onDisk.original(last.path, 1, last.column + 1))?.line, 3);
  assert.equal(reads.get(last.path), 1);
  assert.deepEqual({ ...onDisk.held, mapBytes: 0 }, { maps: MAPS_KEPT, mapBytes: 0, analyses: ANALYSES_KEPT });
});

test('a script without a map is read once, however often its frames come back', async (t) => {
  const dir = await tempDir('liveprobe-scripts-on-disk-');
  t.after(() => dir.remove());
  const path = join(dir.path, 'plain.js');
  await writeFile(path, 'export function plain(order) {\n  return order.total;\n}\n');
  let reads = 0;
  const onDisk = new ScriptsOnDisk((file) => {
    reads++;
    return readFile(file, 'utf8');
  });
  for (let column = 0; column < 5; column++) {
    assert.equal(await onDisk.renamedFunctionAt(path, 2, column), undefined);
    assert.equal(await onDisk.original(path, 2, column), undefined);
  }
  assert.equal(reads, 1);
  assert.deepEqual(onDisk.held, { maps: 0, mapBytes: 0, analyses: 0 });
});

/**
 * A script of one line whose map sends its column `c` to line `c + 1` of its source: `segments`
 * of them, five characters of mappings each, as a bundle's map holds millions.
 */
async function scriptWithLargeMap(dir: string, name: string, segments: number): Promise<string> {
  const path = join(dir, `${name}.js`);
  const map = { version: 3, sources: [`${name}.src.js`], names: [], mappings: `AAAA${',CACA'.repeat(segments - 1)}` };
  await writeFile(`${path}.map`, JSON.stringify(map));
  await writeFile(path, `${'x'.repeat(segments)}\n//# sourceMappingURL=${name}.js.map\n`);
  return path;
}

test('large maps: those held stay within the estimated heap kept, fewer than the count allows; one larger than it all is held alone; frames map right before and after', async (t) => {
  const dir = await tempDir('liveprobe-scripts-on-disk-');
  t.after(() => dir.remove());
  // Each about 2 of 5 of the heap kept, at about 15 bytes a character of mappings once decoded.
  const segments = Math.round((MAP_BYTES_KEPT * 0.4) / 15 / 5);
  const paths: string[] = [];
  for (let n = 0; n < 5; n++) paths.push(await scriptWithLargeMap(dir.path, `bundle${n}`, segments));
  const huge = await scriptWithLargeMap(dir.path, 'huge', Math.round((MAP_BYTES_KEPT * 1.5) / 15 / 5));
  const reads = new Map<string, number>();
  const onDisk = new ScriptsOnDisk((path) => {
    reads.set(path, (reads.get(path) ?? 0) + 1);
    return readFile(path, 'utf8');
  });

  assert.equal((await onDisk.original(paths[0]!, 1, 1000))?.line, 1001);
  const weight = onDisk.held.mapBytes;
  assert.ok(weight > MAP_BYTES_KEPT / 4 && weight <= MAP_BYTES_KEPT / 2, `one map weighs ${weight} of ${MAP_BYTES_KEPT}`);
  for (const [n, path] of paths.entries()) {
    assert.equal((await onDisk.original(path, 1, n + 7))?.line, n + 8, path);
    assert.ok(onDisk.held.mapBytes <= MAP_BYTES_KEPT, `after ${n + 1} maps: ${JSON.stringify(onDisk.held)}`);
  }
  const kept = Math.floor(MAP_BYTES_KEPT / weight);
  assert.ok(kept < MAPS_KEPT);
  assert.deepEqual(onDisk.held, { maps: kept, mapBytes: kept * weight, analyses: 0 });
  // The first map was let go: one more read; the most recent is held: none.
  assert.equal((await onDisk.original(paths[0]!, 1, 2000))?.line, 2001);
  assert.equal(reads.get(paths[0]!), 2);
  assert.equal((await onDisk.original(paths[4]!, 1, 2000))?.line, 2001);
  assert.equal(reads.get(paths[4]!), 1);

  assert.equal((await onDisk.original(huge, 1, 3000))?.line, 3001);
  assert.equal(onDisk.held.maps, 1, 'held alone');
  assert.ok(onDisk.held.mapBytes > MAP_BYTES_KEPT);
  assert.equal((await onDisk.original(huge, 1, 4000))?.line, 4001);
  assert.equal(reads.get(huge), 1, 'its next frames read it no more');
});
