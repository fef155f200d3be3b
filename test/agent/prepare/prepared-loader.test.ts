/**
 * The loader side of preparing, in real processes run three ways (no agent; the agent preparing
 * every file with flags off; with every flag on): an app that replaces the globals the inserted
 * code could use, `"type": "module"` files and ES modules loaded with `require()`, errors thrown
 * at a module's top level, and the app's own stderr, which the agent leaves alone.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { tempDir } from '../../helpers/index.js';
import { fromRoot } from '@liveprobe/harness';

const AGENT = pathToFileURL(fromRoot('agent/dist/register.js')).href;

interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

const MODES = { original: undefined, off: 'off', all: 'all' } as const;

function run(dir: string, entry: string, flags: 'off' | 'all' | undefined, env: Record<string, string> = {}): Outcome {
  const args = flags === undefined ? [entry] : ['--import', AGENT, entry];
  const result = spawnSync(process.execPath, args, {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? '',
      ...(flags === undefined
        ? {}
        : {
            LIVEPROBE_PREPARE: `${dir}/**`,
            LIVEPROBE_PREPARE_FLAGS: flags,
            LIVEPROBE_PREPARE_CACHE: 'off',
            // The pino/winston watch (require-in-the-middle) wraps `require` itself: two frames in
            // every require's stack, and `Function.prototype.call` used at each require. That is
            // the logger output's cost, not preparing's; these tests measure preparing alone.
            LIVEPROBE_APP_LOGGER: 'off',
          }),
      ...env,
    },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `entry` three ways and asserts the app saw the same; returns the original's outcome. */
function assertSameThreeWays(dir: string, entry: string, env: Record<string, string> = {}): Outcome {
  const outcomes = Object.entries(MODES).map(([mode, flags]) => ({ mode, ...run(dir, entry, flags, env) }));
  const [original, ...prepared] = outcomes;
  assert.equal(original!.status, 0, original!.stderr);
  for (const o of prepared) {
    assert.deepEqual(
      { status: o.status, stdout: o.stdout, stderr: o.stderr },
      { status: 0, stdout: original!.stdout, stderr: original!.stderr },
      o.mode,
    );
  }
  return original!;
}

function files(dir: string, contents: Record<string, string>): void {
  for (const [name, text] of Object.entries(contents)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

const LIB = [
  'function add(a, b) {',
  '  const sum = a + b;',
  '  return sum;',
  '}',
  'module.exports = { add, twice: (x) => { const y = x * 2; return y; } };',
  '',
].join('\n');
const ESM_LIB = ['export function mul(a, b) {', '  const p = a * b;', '  return p;', '}', ''].join('\n');

test('an app that replaces Symbol, Object, Reflect, Uint8Array or Function.prototype.call still loads and runs prepared files', async (t) => {
  const dir = await tempDir();
  t.after(() => dir.remove());
  const replace = (what: string, restore: string): string =>
    [
      `  ${what}`,
      "  delete require.cache[require.resolve('./lib.js')];",
      "  try { const lib = require('./lib.js'); out.push(lib.add(1, 2), lib.twice(4)); } catch (e) { out.push('threw ' + e.message); }",
      `  ${restore}`,
    ].join('\n');
  files(dir.path, {
    'lib.js': LIB,
    'lib.mjs': ESM_LIB,
    'app.cjs': [
      'const out = [];',
      'const saved = { Symbol, Object, Reflect, Uint8Array, call: Function.prototype.call, defineProperty: Object.defineProperty };',
      '{',
      replace('globalThis.Symbol = undefined;', 'globalThis.Symbol = saved.Symbol;'),
      replace(
        'globalThis.Object = undefined; globalThis.Reflect = undefined;',
        'globalThis.Object = saved.Object; globalThis.Reflect = saved.Reflect;',
      ),
      replace('globalThis.Uint8Array = function () { throw new Error("no"); };', 'globalThis.Uint8Array = saved.Uint8Array;'),
      replace(
        'saved.defineProperty(Function.prototype, "call", { value() { throw new Error("call replaced"); }, writable: true, configurable: true });',
        'saved.defineProperty(Function.prototype, "call", { value: saved.call, writable: true, configurable: true });',
      ),
      '}',
      'globalThis.Symbol = undefined; globalThis.Uint8Array = undefined;',
      "import('./lib.mjs').then((m) => { out.push(m.mul(2, 5)); globalThis.Symbol = saved.Symbol; globalThis.Uint8Array = saved.Uint8Array; console.log(JSON.stringify(out)); });",
      '',
    ].join('\n'),
  });
  // A file the transform could not prepare while the app had replaced `Object` loads as written,
  // with a warning: only the app's own output is compared here.
  const original = assertSameThreeWays(dir.path, 'app.cjs', { LIVEPROBE_LOG_LEVEL: 'silent' });
  assert.equal(original.stdout.trim(), JSON.stringify([3, 8, 3, 8, 3, 8, 3, 8, 10]));
});

test('`"type": "module"` files and ES modules loaded with require() load as Node would; the latter are reported as not prepared', async (t) => {
  const dir = await tempDir();
  t.after(() => dir.remove());
  files(dir.path, {
    'esm/package.json': '{ "type": "module" }',
    'esm/plain.js': 'globalThis.seen = typeof module + "," + typeof exports;\n',
    'esm/exports.js': ESM_LIB,
    'esm/other.mjs': 'export const answer = 42;\n',
    'lib.js': LIB,
    'app.cjs': [
      "require('./esm/plain.js');",
      "const m = require('./esm/exports.js');",
      "const o = require('./esm/other.mjs');",
      "console.log(JSON.stringify([globalThis.seen, m.mul(3, 4), o.answer, require('./lib.js').add(2, 3)]));",
      '',
    ].join('\n'),
  });
  const original = assertSameThreeWays(dir.path, 'app.cjs', { LIVEPROBE_LOG_LEVEL: 'silent' });
  assert.equal(original.stdout.trim(), JSON.stringify(['undefined,undefined', 12, 42, 5]));
  // A warning names each module require() loaded as ESM.
  const debug = run(dir.path, 'app.cjs', 'off');
  for (const name of ['esm/plain.js', 'esm/exports.js', 'esm/other.mjs'])
    assert.ok(
      debug.stderr.includes(`${join(dir.path, name)} (an ES module loaded with require() (require(esm)) is not prepared)`),
      debug.stderr,
    );
});

test("an error at a module's top level and in its functions has the original's stack, frame for frame", async (t) => {
  const dir = await tempDir();
  t.after(() => dir.remove());
  files(dir.path, {
    'lib.js': [
      'function named() {',
      '  throw new Error("named");',
      '}',
      'const holder = { alias: named };',
      'class K { constructor() { throw new RangeError("ctor"); } }',
      'exports.run = () => {',
      '  const out = [];',
      '  const limit = Error.stackTraceLimit;',
      '  Error.stackTraceLimit = 4;',
      '  const calls = [() => holder.alias(), () => new K(), () => [1].map(function () { throw new Error("anon"); })];',
      '  for (const f of calls) {',
      '    try { f(); } catch (e) { out.push(e.stack); }',
      '  }',
      '  Error.stackTraceLimit = limit;',
      '  return out;',
      '};',
      'if (process.env.THROW_AT_TOP === "1") throw new TypeError("top level");',
      '',
    ].join('\n'),
    'app.cjs': [
      "console.log(require('./lib.js').run().join('\\n---\\n'));",
      "process.env.THROW_AT_TOP = '1';",
      "delete require.cache[require.resolve('./lib.js')];",
      "try { require('./lib.js'); } catch (e) { console.log(e.stack); }",
      'Error.stackTraceLimit = 6;',
      "delete require.cache[require.resolve('./lib.js')];",
      "try { require('./lib.js'); } catch (e) { console.log(e.stack); }",
      '',
    ].join('\n'),
  });
  const original = assertSameThreeWays(dir.path, 'app.cjs');
  assert.match(original.stdout, /at Object\.named \[as alias\]/);
  assert.match(original.stdout, /at new K/);
  assert.match(original.stdout, /TypeError: top level\n {4}at Object\.<anonymous> \(.*lib\.js:17:/);
  assert.equal(
    original.stdout
      .split('TypeError: top level')[1]!
      .split('\n')
      .filter((l) => l.startsWith('    at')).length,
    10,
    'the default limit',
  );
});

test("the agent leaves the app's stderr alone: the routine start-up line only at LIVEPROBE_LOG_LEVEL=debug", async (t) => {
  const dir = await tempDir();
  t.after(() => dir.remove());
  files(dir.path, { 'lib.js': LIB, 'app.cjs': "process.stderr.write('app line\\n'); console.log(require('./lib.js').add(1, 1));\n" });
  const original = assertSameThreeWays(dir.path, 'app.cjs');
  assert.equal(original.stderr, 'app line\n');
  const debug = run(dir.path, 'app.cjs', 'off', { LIVEPROBE_LOG_LEVEL: 'debug' });
  assert.match(debug.stderr, /^app line\n\[liveprobe\] prepared 2 files \(2 transformed, 0 from cache, 0\.00 MB\) in \d+ ms\n$/);
});

test('ES modules (prepared through the loader hooks): ticks, receivers, module state and stacks are the original', async (t) => {
  const dir = await tempDir();
  t.after(() => dir.remove());
  files(dir.path, {
    'lib.mjs': [
      'export const log = [];',
      'export function early() {',
      '  return typeof counter;',
      '}',
      'export async function a() {',
      '  log.push("a");',
      '  await null;',
      '  log.push("a done");',
      '}',
      'export class K {',
      '  m() { return typeof this; }',
      '  boom() { throw new Error("boom"); }',
      '}',
      'let counter = 0;',
      'export function next() {',
      '  counter += 1;',
      '  return counter;',
      '}',
      '',
    ].join('\n'),
    'app.mjs': [
      "import { log, a, K, next, early } from './lib.mjs';",
      'const tick = () => Promise.resolve().then(() => log.push("t1")).then(() => log.push("t2")).then(() => log.push("t3"));',
      'await Promise.all([a(), tick()]);',
      'let stack;',
      'try { new K().boom(); } catch (e) { stack = e.stack.split("\\n").slice(0, 3).map((l) => l.replace(/file:\\/\\/\\S+\\//, "")); }',
      'console.log(JSON.stringify([log, K.prototype.m.call(5), next(), next(), early(), stack]));',
      '',
    ].join('\n'),
  });
  const original = assertSameThreeWays(dir.path, 'app.mjs');
  assert.equal(
    original.stdout.trim(),
    JSON.stringify([
      ['a', 'a done', 't1', 't2', 't3'],
      'number',
      1,
      2,
      'number',
      ['Error: boom', '    at K.boom (lib.mjs:12:18)', '    at app.mjs:5:15'],
    ]),
  );
});
