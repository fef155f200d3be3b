/**
 * `liveprobe prepare` as a build step, on real tsc output (CommonJS and ESM) and an esbuild bundle: the prepared build
 * runs without the agent exactly as the original (responses, output, source-mapped stacks), and
 * with the agent an action named by its TypeScript line goes on a prepared site and prints, with
 * no transform at load and no cache folder. Also the command's report, in place and `--json`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { OutputEvent, PrepareSummary } from '@liveprobe/protocol';
import { cli, libraryTree, lineOf, readTree, sseEvents, tempDir, waitFor, type App, type ControlPlane } from '../helpers/index.js';
import { Child } from '@liveprobe/harness';
import { addAction, controlPlane, installed } from '../agent/fixtures.js';
import { addRefusingLog, build, start, TS } from './prepare/prepare-build.js';
import { COMMONJS_DATA, readBuildData, siteNamesOfText } from '../../agent/src/prepare/build-data.js';
import { sharedInts } from '../../agent/src/prepare/packed-text.js';

const WAIT = 20_000;
const NO_SERVER = 'http://127.0.0.1:9';
const QUERIES = ['?total=5', '?total=7', '?total=-2', '?total=3'];

/** The responses to the same requests, in order, and the lines the app printed for them. */
async function exchange(app: App): Promise<{ responses: string[]; printed: string[] }> {
  const responses: string[] = [];
  for (const query of QUERIES) {
    const response = await fetch(`${app.url}/${query}`);
    responses.push(`${response.status} ${await response.text()}`);
  }
  const expected = QUERIES.length - 1;
  await waitFor(() => printed(app).length === expected, WAIT, `the app's ${expected} order lines`);
  return { responses, printed: printed(app) };
}

function printed(app: App): string[] {
  return app
    .output()
    .split('\n')
    .filter((line) => line.startsWith('order '));
}

for (const kind of ['commonjs', 'esm', 'bundle'] as const) {
  test(`${kind} build output prepared by \`liveprobe prepare\` runs without the agent exactly as the original`, async (t) => {
    const { dist, prepared } = await build(t, kind);
    const original = await exchange(await start(t, join(dist, 'server.js'), { agent: false }));
    const built = await exchange(await start(t, join(prepared, 'server.js'), { agent: false }));
    assert.deepEqual(built, original);
    // The refused order's stack names the TypeScript source through the composed map, as the original's does.
    assert.match(original.responses[2]!, new RegExp(`prepare-build/server\\.ts:${lineOf(TS, 'build-refuse')}:`));
  });

  test(`${kind}: with the agent, an action on the TypeScript line of a build-time prepared file prints from a prepared site, with no transform and no cache`, async (t) => {
    const { dist, prepared, root } = await build(t, kind);
    const cp = await controlPlane(t);
    // The cache would go under TMPDIR: preparing at load time is not needed, so none appears.
    const tmp = join(root, 'tmp');
    mkdirSync(tmp);
    const env = { TMPDIR: tmp, LIVEPROBE_LOG_LEVEL: 'debug' };
    const original = await start(t, join(dist, 'server.js'), { broker: cp.mqttUrl, tags: ['original'] }, env);
    const app = await start(t, join(prepared, 'server.js'), { broker: cp.mqttUrl, tags: ['prepared'] }, env);
    assert.deepEqual(await exchange(app), await exchange(original), 'flags off');

    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const line = lineOf(TS, 'build-order');
    const { action } = await addAction(cp, { type: 'log', file: TS, line, template: 'order of {total}', tags: ['prepared'] });
    assert.equal(await installed(cp, action.id, WAIT), 'installed: prepared site (no breakpoint)');
    await fetch(`${app.url}/?total=42`);
    const output = await events.waitFor(
      (e) => e.event === 'output' && (e.data as OutputEvent).message === 'order of 42',
      WAIT,
      'the action printed',
    );
    const data = output.data as OutputEvent;
    assert.match(data.file, /prepare-build\/server\.ts$/);
    assert.equal(data.line, line);
    assert.ok(!existsSync(join(tmp, 'liveprobe-prepare-cache')), 'no cache folder');
    // The agent's status counts the file it took prepared, and `liveprobe agents` shows it.
    type Listed = { tags: string[]; prepare?: PrepareSummary };
    const agentsOf = async (): Promise<Listed[]> =>
      ((await (await fetch(`${cp.url}/api/v1/agents`)).json()) as { agents: Listed[] }).agents;
    const summary = await waitFor(
      async () => (await agentsOf()).find((a) => a.tags.includes('prepared'))?.prepare,
      WAIT,
      'the prepared file in the status',
    );
    assert.deepEqual(summary, { transformed: 0, cached: 0, prebuilt: 1, failed: 0, failures: [] });
    const table = await cli(['agents'], { server: cp.url });
    assert.match(table.stdout, /^.*\bprepared\b.*\s1$/m, table.stdout);
    const listed = await agentsOf();
    assert.equal(listed.find((a) => a.tags.includes('original'))?.prepare, undefined, 'nothing prepared, nothing said');
    assert.doesNotMatch(app.output(), /\[liveprobe\] prepared \d+ files/, 'nothing was transformed as it loaded');
  });
}

test('tsc output prepared by `liveprobe prepare`, the agent loaded with --require: its sites bind, as with --import, with nothing else set', async (t) => {
  const { prepared } = await build(t, 'commonjs');
  const cp = await controlPlane(t);
  const app = await start(t, join(prepared, 'server.js'), { broker: cp.mqttUrl, tags: ['prepared'] }, {}, 'cjs');
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  // Before, --require started the agent after the entry module unless LIVEPROBE_PREPARE was set: the line took a breakpoint.
  await printsFromPreparedSite(cp, events, app, 'prepared');
});

for (const kind of ['minified bundle', 'minified ES module bundle'] as const) {
  test(`a ${kind} prepared by \`liveprobe prepare\`: its \`--enable-source-maps\` stacks read as the original's without the agent, and with it, with a prepared site on the throwing line and without`, async (t) => {
    const { dist, prepared } = await build(t, kind);
    const cp = await controlPlane(t);
    const original = await exchange(await start(t, join(dist, 'server.js'), { agent: false }));
    assert.match(original.responses[2]!, new RegExp(`at refuse \\(.*prepare-build/server\\.ts:${lineOf(TS, 'build-refuse')}:`));
    // Without the agent, Node reads the composed map itself.
    assert.deepEqual(await exchange(await start(t, join(prepared, 'server.js'), { agent: false })), original, 'without the agent');
    const app = await start(t, join(prepared, 'server.js'), { broker: cp.mqttUrl, tags: ['prepared'] });
    // With the agent the frames keep the prepared text's positions, which the composed map reads;
    // remapped to the bundle as written, they named other lines of the one-line bundle.
    assert.deepEqual(await exchange(app), original, 'flags off');
    const { action } = await addRefusingLog(cp);
    assert.equal(await installed(cp, action.id, WAIT), 'installed: prepared site (no breakpoint)');
    const response = await fetch(`${app.url}/?total=-2`);
    assert.equal(await response.text(), original.responses[2]!.replace(/^400 /, ''), 'the throw under a site that fires');
  });
}

test('`liveprobe prepare` in place: a readable summary, files it cannot prepare left as written, node_modules only when asked, a second run changes nothing', async (t) => {
  const dir = await tempDir('liveprobe-prepare-tree-');
  t.after(() => dir.remove());
  const files: Record<string, string> = {
    'app.js': "const dep = require('dep');\nfunction total(a, b) {\n  return dep(a) + b;\n}\nconsole.log(total(1, 2));\n",
    'lib/util.mjs': 'export function twice(x) {\n  return x * 2;\n}\n',
    'legacy.js': 'with (Math) {\n  console.log(max(1, 2));\n}\n',
    'node_modules/dep/index.js': 'module.exports = function dep(x) {\n  return x + 1;\n};\n',
    'README.md': 'not code\n',
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir.path, path, '..'), { recursive: true });
    writeFileSync(join(dir.path, path), text);
  }
  const first = await cli(['prepare', dir.path], { server: NO_SERVER });
  assert.equal(first.code, 0, first.stderr);
  const lines = first.stdout.split('\n');
  assert.match(lines[0]!, /^prepared 2 files \(0\.00 MB → 0\.00 MB\) in place in \d+\.\d s$/);
  assert.ok(lines.includes('node_modules not entered (1 folder; --node-modules prepares them)'), first.stdout);
  assert.ok(lines.includes('1 file left as written (their lines take actions as breakpoints):'), first.stdout);
  assert.match(first.stdout, /^ {2}legacy\.js: .*`with`/m);
  assert.equal(readFileSync(join(dir.path, 'legacy.js'), 'utf8'), files['legacy.js']);
  assert.equal(readFileSync(join(dir.path, 'node_modules/dep/index.js'), 'utf8'), files['node_modules/dep/index.js']);
  assert.equal(readFileSync(join(dir.path, 'app.js.lp-original'), 'utf8'), files['app.js']);
  assert.ok(existsSync(join(dir.path, 'lib/util.mjs.lp-flags.mjs')), "an ES module's flag tables beside it");

  // Prepared in place, the app still runs as written.
  const run = new Child(process.execPath, [join(dir.path, 'app.js')], { name: 'prepared app' });
  assert.equal((await run.exited).code, 0, run.output());
  assert.equal(run.output(), '4');

  const notFolder = await cli(['prepare', join(dir.path, 'app.js')], { server: NO_SERVER });
  assert.equal(notFolder.code, 1);
  assert.match(notFolder.stderr, /^error: cannot prepare .*app\.js: not a folder; give the folder of the built files/);

  const second = await cli(['prepare', dir.path, '--node-modules', '--json'], { server: NO_SERVER });
  assert.equal(second.code, 0, second.stderr);
  const report = JSON.parse(second.stdout) as { files: { path: string; outcome: string }[] };
  assert.deepEqual(
    report.files.map((f) => [f.path, f.outcome]),
    [
      ['app.js', 'already-prepared'],
      ['legacy.js', 'untouched'],
      ['lib/util.mjs', 'already-prepared'],
      ['node_modules/dep/index.js', 'prepared'],
    ],
  );
});

test('`liveprobe prepare --jobs 3` writes, byte for byte, what one thread writes, and reports the files in the same order', async (t) => {
  const dir = await tempDir('liveprobe-prepare-jobs-');
  t.after(() => dir.remove());
  const input = join(dir.path, 'input');
  libraryTree(input);
  const run = async (jobs: string[], out: string): Promise<{ stdout: string; files: string[] }> => {
    const result = await cli(['prepare', input, '--out', join(dir.path, out), ...jobs, '--json'], {
      server: NO_SERVER,
      timeoutMs: 120_000,
    });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { jobs: number; files: { path: string; outcome: string }[] };
    return { stdout: result.stdout, files: report.files.map((f) => `${f.path} ${f.outcome} ${report.jobs}`) };
  };
  const one = await run(['--jobs', '1'], 'one');
  const three = await run(['--jobs', '3'], 'three');
  assert.ok(one.files.includes('legacy.js untouched 1'), one.stdout);
  assert.ok(one.files.filter((f) => f.endsWith(' prepared 1')).length >= 10, one.stdout);
  assert.deepEqual(
    three.files,
    one.files.map((f) => f.replace(/ 1$/, ' 3')),
  );
  const written = readTree(join(dir.path, 'one'));
  assert.deepEqual(readTree(join(dir.path, 'three')), written);
  assert.ok(
    Object.keys(written).some((path) => path.endsWith('.lp.map')),
    'composed maps written',
  );

  const summary = await cli(['prepare', input, '--out', join(dir.path, 'summary'), '--jobs', '2'], {
    server: NO_SERVER,
    timeoutMs: 120_000,
  });
  assert.equal(summary.code, 0, summary.stderr);
  assert.match(summary.stdout.split('\n')[0]!, /^prepared \d+ files \(.* MB → .* MB\) into .*summary in \d+\.\d s on 2 threads$/);

  const none = await cli(['prepare', input, '--jobs', '0'], { server: NO_SERVER });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /--jobs.*0 is not a number of threads; give 1 or more/);
});

test('`liveprobe prepare` without --jobs prepares a small tree on its own thread, and a tree of a few MiB on a thread per core, writing what one thread writes', async (t) => {
  const dir = await tempDir('liveprobe-prepare-default-jobs-');
  t.after(() => dir.remove());
  const jobsOf = async (input: string, out: string, jobs: string[] = []): Promise<number> => {
    const result = await cli(['prepare', input, '--out', join(dir.path, out), ...jobs, '--json'], {
      server: NO_SERVER,
      timeoutMs: 180_000,
    });
    assert.equal(result.code, 0, result.stderr);
    return (JSON.parse(result.stdout) as { jobs: number }).jobs;
  };
  // ~0.9 MB of JavaScript: another thread's JIT warm-up would cost more than its share saves.
  const small = join(dir.path, 'small');
  libraryTree(small);
  assert.equal(await jobsOf(small, 'small-out'), 1);
  // ~2.6 MB: two threads' worth, on a machine with two cores or more.
  const large = join(dir.path, 'large');
  for (const copy of ['a', 'b', 'c']) libraryTree(join(large, copy));
  assert.equal(await jobsOf(large, 'large-default'), Math.min(2, availableParallelism()));
  assert.equal(await jobsOf(large, 'large-one', ['--jobs', '1']), 1);
  assert.deepEqual(readTree(join(dir.path, 'large-default')), readTree(join(dir.path, 'large-one')));
});

test('`liveprobe prepare --node-modules` prepares a package’s ES modules not marked "type": "module" as modules, as Node loads them; the output runs the same, and with the agent an action lands on their prepared sites', async (t) => {
  const dir = await tempDir('liveprobe-prepare-detect-');
  t.after(() => dir.remove());
  const input = join(dir.path, 'app');
  const files: Record<string, string> = {
    'package.json': '{ "name": "app", "private": true }\n',
    'main.mjs':
      "import { add } from 'esm-pkg';\nconsole.log('sum', add(2));\nif (process.env.KEEP === '1') setInterval(() => add(3), 100);\n",
    'node_modules/esm-pkg/package.json': '{ "name": "esm-pkg", "version": "1.0.0", "main": "index.js" }\n',
    'node_modules/esm-pkg/index.js':
      "import { base } from './base.js';\nexport function add(a) {\n  const sum = a + base;\n  return sum;\n}\n",
    'node_modules/esm-pkg/base.js': 'export const base = 40;\n',
    'node_modules/esm-pkg/broken.js': 'function (\n',
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(input, path, '..'), { recursive: true });
    writeFileSync(join(input, path), text);
  }
  const out = join(dir.path, 'out');
  const prepared = await cli(['prepare', input, '--node-modules', '--out', out], { server: NO_SERVER });
  assert.equal(prepared.code, 0, prepared.stderr);
  assert.match(prepared.stdout, /^prepared 3 files /);
  assert.ok(
    prepared.stdout.includes(
      '2 of them ES modules by their syntax, in packages not marked "type": "module" (Node 20.19+ and 22.7+ load them as modules too)',
    ),
    prepared.stdout,
  );
  assert.match(
    prepared.stdout,
    /^ {2}node_modules\/esm-pkg\/broken\.js: cannot parse: /m,
    'a script that is no module either stays as written',
  );
  assert.ok(existsSync(join(out, 'node_modules/esm-pkg/index.js.lp-flags.mjs')), 'prepared as an ES module, with its flag tables');

  const json = JSON.parse(
    (await cli(['prepare', input, '--node-modules', '--out', join(dir.path, 'json'), '--json'], { server: NO_SERVER })).stdout,
  ) as {
    files: { path: string; outcome: string; moduleBySyntax?: boolean }[];
  };
  assert.deepEqual(
    json.files.map((f) => [f.path, f.outcome, f.moduleBySyntax === true]),
    [
      ['main.mjs', 'prepared', false],
      ['node_modules/esm-pkg/base.js', 'prepared', true],
      ['node_modules/esm-pkg/broken.js', 'untouched', false],
      ['node_modules/esm-pkg/index.js', 'prepared', true],
    ],
  );

  const plain = new Child(process.execPath, [join(out, 'main.mjs')], { name: 'prepared app' });
  assert.equal((await plain.exited).code, 0, plain.output());
  assert.equal(plain.output(), 'sum 42');

  // With the agent, an action on the module goes on its prepared site.
  const cp = await controlPlane(t);
  const agent = new Child(process.execPath, ['--import', '@liveprobe/agent/register', join(out, 'main.mjs')], {
    name: 'prepared app with the agent',
    env: { KEEP: '1', LIVEPROBE_BROKER_URL: cp.mqttUrl, LIVEPROBE_TAGS: 'detect', LIVEPROBE_AGENT_ID: 'detect-1' },
  });
  t.after(() => agent.stop());
  await agent.waitForMatch(/^sum 42$/m, WAIT, 'the app running');
  await waitFor(async () => (await cli(['agents'], { server: cp.url })).stdout.includes('detect-1'), WAIT, 'the agent online');
  const index = join(out, 'node_modules/esm-pkg/index.js');
  const added = await cli(['log', 'add', `${index}:4`, 'added {sum}', '--tag', 'detect', '--output', 'console'], { server: cp.url });
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /^ {2}detect-1: installed at \S*index\.js:4 \(prepared site/m);
  await agent.waitForMatch(/added 43/, WAIT, 'the log line');
});

test('a prepared CommonJS file keeps the names an ES module’s import of it sees: tsc’s getters, Babel’s and rollup’s re-export loops, esbuild’s annotation', async (t) => {
  const dir = await tempDir('liveprobe-prepare-reexport-');
  t.after(() => dir.remove());
  const input = join(dir.path, 'app');
  const files: Record<string, string> = {
    'package.json': '{ "name": "app", "private": true }\n',
    'main.mjs': [
      "import * as tsc from './tsc.js';",
      "import * as babel from './babel.js';",
      "import * as rollup from './rollup.js';",
      "import { fromEsbuild, plain } from './esbuild.js';",
      "for (const lib of [tsc, babel, rollup]) console.log(Object.keys(lib).sort().join(','));",
      'console.log(tsc.viaGetter, babel.fromDep, rollup.fromDep, fromEsbuild, plain(1));',
      '',
    ].join('\n'),
    'tsc.js': [
      '"use strict";',
      'Object.defineProperty(exports, "__esModule", { value: true });',
      'const dep_1 = require("./dep");',
      'function plain(x) {',
      '  return x + 1;',
      '}',
      'exports.plain = plain;',
      'Object.defineProperty(exports, "viaGetter", { enumerable: true, get: function () { return dep_1.viaGetter; } });',
      '',
    ].join('\n'),
    'babel.js': [
      '"use strict";',
      'Object.defineProperty(exports, "__esModule", { value: true });',
      'var _dep = require("./dep");',
      'Object.keys(_dep).forEach(function (key) {',
      '  if (key === "default" || key === "__esModule") return;',
      '  if (key in exports && exports[key] === _dep[key]) return;',
      '  Object.defineProperty(exports, key, {',
      '    enumerable: true,',
      '    get: function () {',
      '      return _dep[key];',
      '    }',
      '  });',
      '});',
      '',
    ].join('\n'),
    'rollup.js': [
      "'use strict';",
      "var dep = require('./dep');",
      'Object.keys(dep).forEach(function (k) {',
      "\tif (k !== 'default' && !Object.prototype.hasOwnProperty.call(exports, k)) Object.defineProperty(exports, k, {",
      '\t\tenumerable: true,',
      '\t\tget: function () { return dep[k]; }',
      '\t});',
      '});',
      '',
    ].join('\n'),
    'esbuild.js': [
      '"use strict";',
      'var __defProp = Object.defineProperty;',
      'var __export = (target, all) => {',
      '  for (var name in all) __defProp(target, name, { get: all[name], enumerable: true });',
      '};',
      'var lib_exports = {};',
      '__export(lib_exports, { fromEsbuild: () => fromEsbuild, plain: () => plain });',
      'module.exports = lib_exports;',
      'const fromEsbuild = 7;',
      'function plain(x) {',
      '  return x + 2;',
      '}',
      '0 && (module.exports = { fromEsbuild, plain });',
      '',
    ].join('\n'),
    'dep.js': 'exports.viaGetter = 5;\nexports.fromDep = 6;\n',
  };
  mkdirSync(input);
  for (const [path, text] of Object.entries(files)) writeFileSync(join(input, path), text);
  const out = join(dir.path, 'out');
  const prepared = await cli(['prepare', input, '--out', out], { server: NO_SERVER });
  assert.equal(prepared.code, 0, prepared.stderr);
  const tsc = readFileSync(join(out, 'tsc.js'), 'utf8');
  assert.ok(tsc.includes('get: function () { return dep_1.viaGetter; }'), 'the getter as written');
  for (const file of ['tsc.js', 'babel.js', 'rollup.js', 'esbuild.js']) {
    assert.ok(readFileSync(join(out, file), 'utf8').includes('$lpS['), `the rest of ${file} prepared`);
  }
  const expected = [
    '__esModule,default,plain,viaGetter',
    '__esModule,default,fromDep,viaGetter',
    'default,fromDep,viaGetter',
    '5 6 6 7 3',
  ].join('\n');
  for (const main of [join(input, 'main.mjs'), join(out, 'main.mjs')]) {
    const run = new Child(process.execPath, [main], { name: 'import of commonjs' });
    assert.equal((await run.exited).code, 0, run.output());
    assert.equal(run.output(), expected, main);
  }
});

/**
 * The file as `liveprobe prepare` wrote it before its sites and site names were packed (build17
 * to tail18): both as JSON literals in `$lpD`, which the header passes as its 2nd and 7th
 * arguments, and no 10th or 11th.
 */
function asWrittenBefore(code: string): string {
  const data = readBuildData(code, COMMONJS_DATA)!;
  const sites = [...sharedInts(data[6]!)!];
  const older = [sites, data[1], null, data[3], siteNamesOfText(data[7]!), data[5]];
  const at = code.lastIndexOf(COMMONJS_DATA) + COMMONJS_DATA.length;
  const withData = `${code.slice(0, at)}${JSON.stringify(older)}${code.slice(code.indexOf('; }\n', at))}`;
  assert.ok(withData.includes(', $lpd[5], $lpd[6], $lpd[7])'));
  return withData.replace(', $lpd[5], $lpd[6], $lpd[7])', ', $lpd[5])');
}

test('a file `liveprobe prepare` wrote before its sites were packed still binds: an action on it prints from a prepared site, reading its values by name', async (t) => {
  const { prepared } = await build(t, 'commonjs');
  const file = join(prepared, 'server.js');
  writeFileSync(file, asWrittenBefore(readFileSync(file, 'utf8')));
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const app = await start(t, file, { broker: cp.mqttUrl, tags: ['older'] });
  await printsFromPreparedSite(cp, events, app, 'older');
});

/** A log on the fixture's order line, for the agents tagged `tag`, installs on a prepared site and prints the order's total. */
async function printsFromPreparedSite(
  cp: ControlPlane,
  events: Awaited<ReturnType<typeof sseEvents>>,
  app: App,
  tag: string,
): Promise<void> {
  const line = lineOf(TS, 'build-order');
  const { action } = await addAction(cp, { type: 'log', file: TS, line, template: 'order of {total}', tags: [tag] });
  assert.equal(await installed(cp, action.id, WAIT), 'installed: prepared site (no breakpoint)');
  await fetch(`${app.url}/?total=42`);
  await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).message === 'order of 42', WAIT, 'the action printed');
}
