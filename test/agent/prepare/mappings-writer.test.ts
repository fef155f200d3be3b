/**
 * The composed map's `mappings`, written as VLQ as it is composed: what a source map reader
 * decodes from it is what was written, and an input without a map maps each token onto itself,
 * non-ASCII identifiers and white space included.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodedMappings, TraceMap } from '@jridgewell/trace-mapping';
import { prepareForBuild } from '../../../agent/src/prepare/index.js';
import { MappingsWriter } from '../../../agent/src/prepare/mappings-writer.js';

type Segment = [number] | [number, number, number, number] | [number, number, number, number, number];

function decoded(mappings: string): Segment[][] {
  return decodedMappings(new TraceMap({ version: 3, sources: ['a', 'b', 'c'], names: ['x', 'y'], mappings })) as Segment[][];
}

test('a reader decodes the segments written: relative fields across lines, large values, names and generated-only columns', () => {
  const lines: Segment[][] = [
    [[0, 0, 0, 0], [7, 1, 40, 3, 1], [12]],
    [],
    [[3, 2, 5, 100_000], [100_000, 0, 0, 0, 0], [100_001]],
    [[16, 1, 39, 2]],
  ];
  const writer = new MappingsWriter();
  lines.forEach((line, i) => {
    if (i > 0) writer.nextLine();
    for (const s of line) {
      if (s.length === 1) writer.generatedOnly(s[0]);
      else writer.segment(s[0], s[1], s[2], s[3], s.length === 5 ? s[4] : -1);
    }
  });
  assert.deepEqual(decoded(writer.toString()), lines);
});

test('an input without a map maps each token onto itself, identifiers beyond ASCII as one token', () => {
  const source = 'const café = "ü 😀";\u00a0x\u3000=\ty;\n';
  const built = prepareForBuild({ source, kind: 'commonjs', name: 'u.js' });
  const [first] = decoded(built.map.mappings);
  const expected: number[] = [];
  for (const token of ['const', 'café', '=', '"', 'ü', '😀', '"', ';', 'x', '=', 'y', ';'])
    expected.push(source.indexOf(token, expected.length === 0 ? 0 : expected.at(-1)! + 1));
  const mapped = first!.filter((s) => s.length > 1 && s[2] === 0).map((s) => s[3]);
  assert.deepEqual([...new Set(mapped)], expected, "each token's start maps to itself");
});
