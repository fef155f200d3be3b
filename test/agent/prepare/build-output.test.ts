/**
 * The build-time transform behind `liveprobe prepare`: its composed source map, the files it
 * recognises as prepared, and a header that needs no agent.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { allGeneratedPositionsFor, originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import { isPrebuilt, prepareForBuild } from '../../../agent/src/prepare/index.js';

const SOURCE = [
  '"use strict";',
  'function add(a, b) {',
  '  const sum = a + b;',
  '  return sum;',
  '}',
  'exports.total = add(1, add(2, 3));',
  '',
].join('\n');

test('the composed map sends each statement of the prepared file to its line in the input, and leaves twin copies unmapped', () => {
  const built = prepareForBuild({ source: SOURCE, kind: 'commonjs', name: 'add.js' });
  const map = new TraceMap(JSON.stringify(built.map));
  assert.deepEqual(built.map.sources, ['add.js.lp-original']);
  const lines = built.code.split('\n');
  for (const [text, line] of [
    ['const sum = a + b;', 3],
    ['return sum;', 4],
    ['exports.total = add(1, add(2, 3));', 6],
  ] as const) {
    // The original statement is the last copy on its line; the twin's copy sits on line 2.
    const generatedLine = lines.findIndex((l, i) => i > 1 && l.includes(text)) + 1;
    const column = lines[generatedLine - 1]!.lastIndexOf(text);
    const original = originalPositionFor(map, { line: generatedLine, column });
    assert.equal(original.line, line, text);
    assert.equal(original.column, SOURCE.split('\n')[line - 1]!.indexOf(text), text);
  }
  const twinLine = lines[1]!;
  const copy = twinLine.indexOf('const sum');
  assert.ok(copy > 0, 'the twin is on the body start line');
  assert.equal(originalPositionFor(map, { line: 2, column: copy }).line, null, "the twin's copy maps nowhere");
});

test("the composed map of a one-line input gives the agent's inserted code none of the input's segments after it: each part of an expression maps from its copies only", () => {
  // As a minifier writes it, one line: the agent's code inserted there (the sites' guards, the
  // `catch` wrapping `find`) took the segments of the code after it, `reserve`'s among them.
  const source =
    '"use strict";function find(a){const b=a+1;return b}function reserve(c){const d=c*2;return d}exports.x=reserve(find(1));\n';
  const built = prepareForBuild({ source, kind: 'commonjs', name: 'one.js' });
  const map = new TraceMap(JSON.stringify(built.map));
  const line = built.code.split('\n')[0]!;
  // Parts that start no statement: no site's guard maps to them.
  for (const part of ['a+1', '(c)', 'c*2', 'find(1)']) {
    const column = source.indexOf(part);
    const places = allGeneratedPositionsFor(map, { source: 'one.js.lp-original', line: 1, column });
    assert.ok(places.length > 0, part);
    for (const place of places) assert.equal(line.slice(place.column!, place.column! + part.length), part, `${part} at ${place.column}`);
  }
});

test('through the input source map the prepared file maps to the original source', () => {
  // A hand-made input map: every line of the input comes from the same line of `add.ts`.
  const mappings = SOURCE.split('\n')
    .map((_, i) => (i === 0 ? 'AAAA' : 'AACA'))
    .join(';');
  const inputMap = JSON.stringify({ version: 3, sources: ['add.ts'], names: [], mappings, sourcesContent: ['// ts'] });
  const built = prepareForBuild({
    source: `${SOURCE}//# sourceMappingURL=add.js.map\n`,
    kind: 'commonjs',
    name: 'add.js',
    inputMap: { json: inputMap, url: 'file:///app/dist/add.js.map', sourceName: (resolved) => resolved.replace('file:///app/', '../') },
  });
  assert.deepEqual(built.map.sources, ['../dist/add.ts']);
  assert.deepEqual(built.map.sourcesContent, ['// ts']);
  assert.match(built.code, /\/\/# sourceMappingURL=add\.js\.lp\.map\n$/);
  assert.doesNotMatch(built.code, /sourceMappingURL=add\.js\.map/, "the input's own map comment goes");
  const lines = built.code.split('\n');
  const line = lines.findIndex((l, i) => i > 1 && l.includes('return sum;')) + 1;
  const original = originalPositionFor(new TraceMap(JSON.stringify(built.map)), { line, column: lines[line - 1]!.lastIndexOf('return') });
  assert.equal(original.source, '../dist/add.ts');
  assert.equal(original.line, 4);
});

test('a prepared file and its flags module are recognised by their first comment, after a hashbang too', () => {
  const cjs = prepareForBuild({ source: `#!/usr/bin/env node\n${SOURCE}`, kind: 'commonjs', name: 'cli.js' });
  const esm = prepareForBuild({ source: 'export function f(x) {\n  return x + 1;\n}\n', kind: 'module', name: 'f.mjs' });
  assert.ok(isPrebuilt(cjs.code));
  assert.ok(isPrebuilt(esm.code));
  assert.ok(isPrebuilt(esm.flagsModule!));
  assert.match(esm.code, /import \{ \$lpF, \$lpS, \$lpH, \$lpC, \$lpK, \$lpX, \$lpT, \$lpW \} from "\.\/f\.mjs\.lp-flags\.mjs";/);
  assert.ok(!isPrebuilt(SOURCE));
  assert.ok(!isPrebuilt(`// x\n/*liveprobe:prepared*/${SOURCE}`), 'only as the first thing in the file');
});

test('without the agent the prepared CommonJS file runs as written and reads no replaceable global', () => {
  const built = prepareForBuild({ source: SOURCE, kind: 'commonjs', name: 'add.js' });
  const run = (code: string): unknown => {
    const exports: Record<string, unknown> = {};
    new Function('exports', '__filename', 'Object', 'Array', 'Symbol', code)(exports, '/app/add.js', undefined, undefined, undefined);
    return exports.total;
  };
  assert.equal(run(built.code), run(SOURCE));
  assert.equal(run(built.code), 6);
});

/**
 * An agent's registry from before counters counted in place (K), which sets a site whose actions
 * are all counters to 2 (COUNT_ONLY): from before C, its H takes what the site passes; with C, a
 * site that constructs `$lpC` passes its number there.
 */
function olderAgent(counted: unknown[], withC = false) {
  return (_file: string, sites: number[], functions: number) => ({
    F: new Uint8Array(functions).fill(1),
    S: new Uint8Array(sites.length / 3).fill(2),
    H: function H(pass: unknown) {
      counted.push(pass);
    },
    ...(withC
      ? {
          C: function C() {
            counted.push('C');
          },
        }
      : {}),
    X: new Uint8Array(0),
    T() {},
    W(error: unknown) {
      return error;
    },
  });
}

/** Flag 2 is not the file's COUNT_IN_PLACE: each counter site passes its bindings to H, which such an agent counts. */
function assertCountedByBindings(counted: unknown[]): void {
  assert.ok(counted.length > 0, 'the counter sites reached the agent');
  assert.ok(
    counted.every((pass) => Array.isArray(pass) && typeof pass[0] === 'number'),
    'each with its site number and bindings, through H',
  );
}

for (const withC of [false, true])
  test(`a counter site of a CommonJS file prepared now counts under an agent from before ${withC ? '$lpK' : '$lpC'}`, () => {
    const built = prepareForBuild({ source: SOURCE, kind: 'commonjs', name: 'add.js' });
    const counted: unknown[] = [];
    const exports: Record<string, unknown> = {};
    new Function('exports', '__filename', '$lpPrepared', built.code)(exports, '/app/add.js', olderAgent(counted, withC));
    assert.equal(exports.total, 6, 'the file still computes what it did');
    assertCountedByBindings(counted);
  });

test('a counter site of an ES module prepared now counts under an agent from before $lpK', async () => {
  const source = 'function add(a, b) {\n  const sum = a + b;\n  return sum;\n}\nexport const total = add(1, add(2, 3));\n';
  const built = prepareForBuild({ source, kind: 'module', name: 'add.mjs' });
  const dir = await mkdtemp(join(tmpdir(), 'lp-older-agent-'));
  const flagsFile = /from "\.\/([^"]+)"/.exec(built.code)![1]!;
  await writeFile(join(dir, 'add.mjs'), built.code);
  await writeFile(join(dir, decodeURIComponent(flagsFile)), built.flagsModule!);
  const counted: unknown[] = [];
  const global = globalThis as { $lpPrepared?: unknown };
  global.$lpPrepared = olderAgent(counted, true);
  try {
    const module = (await import(pathToFileURL(join(dir, 'add.mjs')).href)) as { total: number };
    assert.equal(module.total, 6, 'the module still computes what it did');
  } finally {
    delete global.$lpPrepared;
    await rm(dir, { recursive: true, force: true });
  }
  assertCountedByBindings(counted);
});
