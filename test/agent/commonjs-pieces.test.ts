// A bundled CommonJS file cut into pieces (agent/scripts/commonjs-pieces.mjs) runs as the whole
// file would (agent/src/commonjs-pieces.ts): each piece a script of its own, small enough that
// the inspector's copies of its source stay under glibc's mmap threshold, the file's top-level
// names shared between pieces, strict mode kept, stack traces giving the file's own lines.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { fromRoot, tempDir } from '@liveprobe/harness';
import { requireCommonJsPieces } from '../../agent/src/commonjs-pieces.js';

interface PiecesScript {
  toCommonJsPieces(code: string): string;
  PIECE_SEPARATOR: string;
}
const { toCommonJsPieces, PIECE_SEPARATOR } = (await import(
  pathToFileURL(fromRoot('agent/scripts/commonjs-pieces.mjs')).href
)) as PiecesScript;

/** A file bigger than three pieces: names read before (lazily) and after their piece, a shorthand property, one throw. */
function bundle(): string {
  const out = ['"use strict";', 'var first = () => last();'];
  for (let k = 0; k < 40; k++) out.push(`var pad${k} = ${JSON.stringify(`${k}`.padEnd(5000, '.'))};`);
  out.push('var last = () => ({ pad39, count: 40 });');
  out.push('var thrower = () => { throw new Error("thrown in the file"); };');
  out.push('var sloppyThis = function () { return this; };');
  out.push('module.exports = { first, thrower, strict: sloppyThis() === undefined, file: __filename };');
  return out.join('\n');
}

test('a bundle in pieces exports what the whole file does, with its names shared, strict, and its own line numbers', async (t) => {
  const dir = await tempDir('liveprobe-pieces-');
  t.after(() => dir.remove());
  const file = join(dir.path, 'pieces.cjs');
  writeFileSync(file, toCommonJsPieces(bundle()));
  const text = readFileSync(file, 'utf8');
  const pieces = text.split(PIECE_SEPARATOR);
  assert.ok(pieces.length >= 3, `${pieces.length} pieces`);
  for (const piece of pieces) assert.ok(piece.length < 60_000, `a piece of ${piece.length} characters`);

  const loaded = requireCommonJsPieces(file) as {
    first: () => { pad39: string; count: number };
    thrower: () => never;
    strict: boolean;
    file: string;
  };
  assert.deepEqual(loaded.first(), { pad39: '39'.padEnd(5000, '.'), count: 40 });
  assert.equal(loaded.strict, true);
  assert.equal(loaded.file, file);
  const line = text.split('\n').findIndex((l) => l.includes('thrown in the file')) + 1;
  assert.throws(loaded.thrower, (error: Error) => {
    assert.match(error.stack ?? '', new RegExp(`${file.replaceAll('.', '\\.')}:${line}:`));
    return true;
  });
});

test('a name the cut cannot share is a build error, not a broken file', () => {
  assert.throws(
    () => toCommonJsPieces('"use strict";function shared() { return 1; }\nmodule.exports = shared;'),
    /`shared` is not a top-level `var`/,
  );
});

test("the agent's mqtt ships in pieces under 60,000 characters and loads from them", () => {
  const file = fromRoot('agent/dist/bundle/mqtt-pieces.cjs');
  const pieces = readFileSync(file, 'utf8').split(PIECE_SEPARATOR);
  assert.ok(pieces.length > 1);
  for (const piece of pieces) assert.ok(piece.length < 60_000, `a piece of ${piece.length} characters`);
  const mqtt = requireCommonJsPieces(file) as { connect?: unknown };
  assert.equal(typeof mqtt.connect, 'function');
});
