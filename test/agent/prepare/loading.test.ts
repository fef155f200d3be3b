/** Choosing files (LIVEPROBE_PREPARE), the on-disk cache, and files that cannot be prepared. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PrepareCache } from '../../../agent/src/prepare/prepare-cache.js';
import { prepareFile } from '../../../agent/src/prepare/prepare-file.js';
import { readPrepareSettings, shouldPrepare, type PatternMiss } from '../../../agent/src/prepare/prepare-settings.js';
import { StartReport } from '../../../agent/src/main/start-report.js';
import { tempDir } from '../../helpers/index.js';
import { nodeBinary } from '../../node-versions/node-binaries.js';
import { fromRoot } from '@liveprobe/harness';

const AGENT = pathToFileURL(fromRoot('agent/dist/register.js')).href;

/** `node --import <agent> app.js` in `dir`, with no cache of prepared files; what it printed. */
function runApp(dir: string, env: Record<string, string>): string {
  return runAppFully(dir, env).stdout.trim();
}

function runAppFully(dir: string, env: Record<string, string>): { stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', AGENT, 'app.js'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '', LIVEPROBE_PREPARE_CACHE: 'off', ...env },
  });
  assert.equal(result.status, 0, result.stderr);
  return result;
}

async function writeApp(t: TestContext, files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  t.after(() => dir.remove());
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir.path, path, '..'), { recursive: true });
    writeFileSync(join(dir.path, path), text);
  }
  return dir.path;
}

test('globs are relative to the working directory or absolute, `!` excludes, and node_modules needs naming', () => {
  const settings = readPrepareSettings(
    { LIVEPROBE_PREPARE: 'dist/**, !dist/vendor/**, /opt/lib/*.js, node_modules/express/**', LIVEPROBE_PREPARE_CACHE: 'off' },
    '/srv/app',
  )!;
  assert.equal(settings.cacheDir, undefined);
  assert.ok(shouldPrepare(settings, '/srv/app/dist/server.js'));
  assert.ok(shouldPrepare(settings, '/srv/app/dist/routes/orders.mjs'));
  assert.ok(!shouldPrepare(settings, '/srv/app/dist/vendor/big.js'), 'excluded');
  assert.ok(!shouldPrepare(settings, '/other/dist/server.js'), 'relative to the working directory');
  assert.ok(shouldPrepare(settings, '/opt/lib/util.js'));
  assert.ok(!shouldPrepare(settings, '/srv/app/dist/node_modules/lodash/index.js'), 'dist/** does not reach into node_modules');
  assert.ok(shouldPrepare(settings, '/srv/app/node_modules/express/lib/router/index.js'), 'named explicitly');
  assert.ok(!shouldPrepare(settings, '/srv/app/dist/types.d.ts'), 'only JavaScript');
  assert.equal(readPrepareSettings({}, '/srv/app'), undefined);
  assert.match(readPrepareSettings({ LIVEPROBE_PREPARE: 'x.js' }, '/srv/app')!.cacheDir ?? '', /liveprobe-prepare-cache$/);
});

test('a pattern that would reach into node_modules had it named node_modules is reported once, with the pattern to write', () => {
  const settings = readPrepareSettings(
    { LIVEPROBE_PREPARE: 'express/lib/router/*.js, **/*.js, ./dist/*.js, app', LIVEPROBE_PREPARE_CACHE: 'off' },
    '/srv/app',
  )!;
  const misses: PatternMiss[] = [];
  const missed = (miss: PatternMiss): number => misses.push(miss);
  assert.ok(shouldPrepare(settings, '/srv/app/dist/server.js', missed));
  assert.deepEqual(misses, [], 'the app’s own files say nothing');
  assert.ok(!shouldPrepare(settings, '/srv/app/node_modules/express/lib/router/index.js', missed));
  assert.ok(!shouldPrepare(settings, '/srv/app/node_modules/express/lib/router/route.js', missed));
  assert.ok(!shouldPrepare(settings, '/srv/app/node_modules/@scope/dist/x.js', missed));
  assert.deepEqual(misses, [
    {
      kind: 'dependency',
      pattern: 'express/lib/router/*.js',
      path: '/srv/app/node_modules/express/lib/router/index.js',
      fix: 'node_modules/express/lib/router/*.js',
    },
    { kind: 'dependency', pattern: '**/*.js', path: '/srv/app/node_modules/express/lib/router/index.js', fix: 'node_modules/express/**' },
  ]);
  assert.ok(!shouldPrepare(settings, '/srv/app/node_modules/lodash/index.js'), 'asked without a listener: matching only');
});

const TYPESCRIPT_RUNS = [
  {
    loader: 'tsx on Node 20',
    node: () => process.execPath,
    args: ['--import', pathToFileURL(fromRoot('node_modules/tsx/dist/loader.mjs')).href],
  },
  { loader: 'type stripping on Node 22', node: () => nodeBinary(22), args: ['--experimental-strip-types', '--no-warnings'] },
  { loader: 'type stripping on Node 24', node: () => nodeBinary(24), args: ['--no-warnings'] },
];

// Before, such an app's LIVEPROBE_PREPARE prepared nothing and said nothing: PREPARED 0.
for (const run of TYPESCRIPT_RUNS)
  test(`${run.loader}: a pattern matching TypeScript compiled as it loads says, once, that it is not prepared and what to do`, async (t) => {
    const dir = await writeApp(t, {
      'package.json': '{ "type": "commonjs" }\n',
      'src/main.ts':
        "const { total } = require('./total.ts');\nconst sum: number = total([1, 2]);\nimport('./later.mts').then(() => console.log(`ran ${sum}`));\n",
      'src/total.ts':
        'function total(values: number[]): number {\n  return values.reduce((a, b) => a + b, 0);\n}\nmodule.exports = { total };\n',
      'src/later.mts': 'export const later: string = "later";\n',
      'src/plain.js': 'module.exports = 1;\n',
    });
    const result = spawnSync(run.node(), [...run.args, '--import', AGENT, 'src/main.ts'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '', LIVEPROBE_PREPARE_CACHE: 'off', LIVEPROBE_PREPARE: 'app, src/*.mts' },
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'ran 3');
    const warning = (pattern: string, file: string): string =>
      `[liveprobe] warning: prepare pattern "${pattern}" does not prepare ${join(dir, file)}: TypeScript compiled as it loads (tsx, ts-node, Node's type stripping) is not prepared, only .js, .cjs and .mjs files are (its lines take actions as breakpoints; to prepare the app, build it with tsc or a bundler and run \`liveprobe prepare\` on the output)`;
    assert.deepEqual(result.stderr.trim().split('\n'), [warning('app', 'src/main.ts'), warning('src/*.mts', 'src/later.mts')]);
  });

test('a pattern that misses a dependency warns once on stderr, for CommonJS files and ES modules alike', async (t) => {
  const dir = await writeApp(t, {
    'app.js': "require('dep/lib/one.js');\nrequire('dep/lib/two.js');\nimport('dep/lib/three.mjs').then(() => console.log('ran'));\n",
    'node_modules/dep/lib/one.js': 'module.exports = 1;\n',
    'node_modules/dep/lib/two.js': 'module.exports = 2;\n',
    'node_modules/dep/lib/three.mjs': 'export const three = 3;\n',
  });
  const warning = (pattern: string, file: string, fix: string): string =>
    `[liveprobe] warning: prepare pattern "${pattern}" does not prepare ${join(dir, file)}: files under node_modules are prepared only by a pattern that names node_modules/ (to prepare them, add "${fix}"; until then their lines take actions as breakpoints)`;
  const both = runAppFully(dir, { LIVEPROBE_PREPARE: 'dep/lib/*' });
  assert.equal(both.stdout.trim(), 'ran');
  assert.deepEqual(both.stderr.trim().split('\n'), [warning('dep/lib/*', 'node_modules/dep/lib/one.js', 'node_modules/dep/lib/*')]);
  const esm = runAppFully(dir, { LIVEPROBE_PREPARE: 'dep/lib/*.mjs' });
  assert.deepEqual(esm.stderr.trim().split('\n'), [
    warning('dep/lib/*.mjs', 'node_modules/dep/lib/three.mjs', 'node_modules/dep/lib/*.mjs'),
  ]);
  assert.equal(runAppFully(dir, { LIVEPROBE_PREPARE: 'node_modules/dep/lib/*' }).stderr, '', 'named: prepared, nothing to say');
});

test('the cache serves a file prepared before, keyed by content, header and version', async (t) => {
  const dir = await tempDir();
  t.after(() => dir.remove());
  const cache = new PrepareCache(dir.path, '1.0.0+t1');
  const source = 'function f(a) {\n  return a + 1;\n}\nmodule.exports = f;\n';
  const first = prepareFile(source, 'commonjs', 'const $lp = 0;', cache);
  const second = prepareFile(source, 'commonjs', 'const $lp = 0;', cache);
  assert.equal(first.kind, 'prepared');
  assert.equal(second.kind, 'cached');
  assert.ok(first.kind === 'prepared' && second.kind === 'cached');
  // The table comes packed, read into shared memory: the output's own map is left out.
  assert.deepEqual({ ...second.output, map: first.output.map }, first.output);
  assert.ok(second.table?.buffer instanceof SharedArrayBuffer);
  assert.deepEqual([...second.table], [...first.table!]);
  assert.equal(prepareFile(source + '\n', 'commonjs', 'const $lp = 0;', cache).kind, 'prepared', 'other content');
  assert.equal(prepareFile(source, 'commonjs', 'const $lp = 1;', cache).kind, 'prepared', 'other header');
  assert.equal(
    prepareFile(source, 'commonjs', 'const $lp = 0;', new PrepareCache(dir.path, '1.0.1+t1')).kind,
    'prepared',
    'other agent version',
  );
  assert.equal(readdirSync(dir.path).filter((f) => f.endsWith('.json')).length, 4);
});

test('a file that cannot be prepared loads untouched and the start-up report says which and why', () => {
  const outcome = prepareFile('eval("x");\n', 'commonjs', 'const $lp = 0;', undefined);
  assert.equal(outcome.kind, 'failed');
  const lines: string[] = [];
  const report = new StartReport({ info: (line) => lines.push(`info: ${line}`), warn: (line) => lines.push(line) }, 1024 * 1024);
  report.add({ path: '/app/a.js', kind: 'prepared', ms: 10, bytes: 1000 });
  report.add({ path: '/app/b.js', kind: 'cached', ms: 1, bytes: 1000 });
  report.add({ path: '/app/evil.js', ...outcome, reason: outcome.kind === 'failed' ? outcome.reason : '' });
  report.add({ path: '/app/huge.js', kind: 'prepared', ms: 2000, bytes: 3 * 1024 * 1024 });
  report.flush();
  // A file left untouched makes the summary a warning; without one it is a routine line.
  report.add({ path: '/app/c.js', kind: 'prepared', ms: 1, bytes: 10 });
  report.flush();
  assert.match(lines[2]!, /^info: prepared 1 files \(1 transformed, 0 from cache, 0\.00 MB\) in \d+ ms$/);
  assert.match(lines[0]!, /^warning: prepared a large file, 3\.0 MB, in 2000 ms: \/app\/huge\.js/);
  assert.match(
    lines[1]!,
    /^prepared 3 files \(2 transformed, 1 from cache, 3\.00 MB\) in \d+ ms; 1 left untouched \(breakpoints only\): \/app\/evil\.js \(direct `eval` or `with` at the top level: left to breakpoints\)$/,
  );
});

test("the agent's own files are never prepared, even when a pattern names them", () => {
  const settings = readPrepareSettings({ LIVEPROBE_PREPARE: '/srv/app/**, node_modules/**', LIVEPROBE_PREPARE_CACHE: 'off' }, '/srv/app')!;
  assert.ok(shouldPrepare(settings, '/srv/app/node_modules/express/index.js'));
  assert.ok(!shouldPrepare(settings, '/srv/app/node_modules/@liveprobe/agent/dist/main/probe-hook.js'));
  assert.ok(!shouldPrepare(settings, '/srv/app/node_modules/@liveprobe/protocol/dist/index.js'));
  const everything = readPrepareSettings({ LIVEPROBE_PREPARE: '/**', LIVEPROBE_PREPARE_CACHE: 'off' }, '/')!;
  assert.ok(!shouldPrepare(everything, fileURLToPath(new URL('../../../agent/dist/main/compile.js', import.meta.url))));
});

test("`app` stands for the app's own files: everything outside node_modules, never the agent", () => {
  const settings = readPrepareSettings({ LIVEPROBE_PREPARE: 'app, !/srv/app/dist/vendor/**', LIVEPROBE_PREPARE_CACHE: 'off' }, '/srv/app')!;
  assert.ok(shouldPrepare(settings, '/srv/app/dist/server.js'));
  assert.ok(shouldPrepare(settings, '/opt/shared/lib/util.mjs'), 'wherever the app keeps its files');
  assert.ok(!shouldPrepare(settings, '/srv/app/dist/vendor/big.js'), 'exclusions still apply');
  assert.ok(!shouldPrepare(settings, '/srv/app/node_modules/express/index.js'));
  assert.ok(!shouldPrepare(settings, '/srv/app/dist/node_modules/lodash/index.js'));
  assert.ok(!shouldPrepare(settings, fileURLToPath(new URL('../../../agent/dist/main/compile.js', import.meta.url))));
  const withExpress = readPrepareSettings({ LIVEPROBE_PREPARE: 'app,node_modules/express/**' }, '/srv/app')!;
  assert.ok(shouldPrepare(withExpress, '/srv/app/node_modules/express/index.js'), 'a package named beside it');
});

test("LIVEPROBE_PREPARE=app prepares the app's CommonJS and ES modules as they load, and none of node_modules", async (t) => {
  const dir = await tempDir();
  t.after(() => dir.remove());
  const files: Record<string, string> = {
    'app.js': [
      "const dep = require('dep');",
      'function own(x) {',
      '  return dep(x) * 2;',
      '}',
      "import('./lib.mjs').then((lib) => console.log([own, dep, lib.twice].map((f) => String(f).includes('$lpS') || String(f).includes('$lpF')).join(' ')));",
      '',
    ].join('\n'),
    'lib.mjs': 'export function twice(x) {\n  return x * 2;\n}\n',
    'node_modules/dep/index.js': 'module.exports = function dep(x) {\n  return x + 1;\n};\n',
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir.path, path, '..'), { recursive: true });
    writeFileSync(join(dir.path, path), text);
  }
  const run = (env: Record<string, string>): string => runApp(dir.path, env);
  // Own function, the dependency, the ES module: what each one's text shows of its guards.
  assert.equal(run({}), 'false false false', 'nothing prepared without LIVEPROBE_PREPARE');
  assert.equal(run({ LIVEPROBE_PREPARE: 'app' }), 'true false true');
});

// Node 20, 22 and 24 read the names from the file on disk, not from the source the loader compiles, so
// this holds even with sites in those shapes: it guards against a loader that hands Node the prepared source.
test('an ES module imports every name of CommonJS files prepared as they load: re-export loops and getters as Babel and tsc write them', async (t) => {
  const dir = await tempDir();
  t.after(() => dir.remove());
  const files: Record<string, string> = {
    'app.js': "import('./main.mjs');\n",
    'main.mjs': [
      "import { fromDep, viaGetter, own } from './babel.cjs';",
      "import * as tsc from './tsc.cjs';",
      "console.log(fromDep, viaGetter, tsc.fromDep, String(own).includes('$lpS') || String(own).includes('$lpF'));",
      '',
    ].join('\n'),
    'babel.cjs': [
      '"use strict";',
      'var _dep = require("./dep.cjs");',
      'Object.keys(_dep).forEach(function (key) {',
      '  if (key === "default" || key === "__esModule") return;',
      '  exports[key] = _dep[key];',
      '});',
      'exports.own = function own(x) {',
      '  return x + 1;',
      '};',
      '',
    ].join('\n'),
    'tsc.cjs':
      'const dep_1 = require("./dep.cjs");\nObject.defineProperty(exports, "fromDep", { enumerable: true, get: function () { return dep_1.fromDep; } });\n',
    'dep.cjs': 'exports.fromDep = 6;\nexports.viaGetter = 5;\n',
  };
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir.path, path), text);
  assert.equal(runApp(dir.path, {}), '6 5 6 false');
  assert.equal(runApp(dir.path, { LIVEPROBE_PREPARE: 'app' }), '6 5 6 true');
});

test("the app's thread never loads eslint-scope: preparing a file there uses the transform's own scope pass", async (t) => {
  const dir = await tempDir();
  t.after(() => dir.remove());
  // A CommonJS entry is prepared on the app's thread, as it loads; it reports whether its own
  // function carries a guard, and whether eslint-scope is loaded after that.
  writeFileSync(
    join(dir.path, 'app.js'),
    [
      'function own(a) { return a + 1; }',
      "console.log(own.toString().includes('$lp'), Object.keys(require.cache).some((path) => path.includes('/node_modules/eslint-scope/')));",
      '',
    ].join('\n'),
  );
  const loaded = (env: Record<string, string>): string => runApp(dir.path, env);
  assert.equal(loaded({}), 'false false', 'nothing prepared, nothing loaded');
  assert.equal(loaded({ LIVEPROBE_PREPARE: 'app' }), 'true false', 'the file prepared, and eslint-scope still not loaded');
});
