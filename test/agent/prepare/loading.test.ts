/** Choosing files (LIVEPROBE_PREPARE), the on-disk cache, and files that cannot be prepared. */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PrepareCache } from '../../../agent/src/prepare/prepare-cache.js';
import { prepareFile } from '../../../agent/src/prepare/prepare-file.js';
import { readPrepareSettings, shouldPrepare } from '../../../agent/src/prepare/prepare-settings.js';
import { StartReport } from '../../../agent/src/main/start-report.js';
import { tempDir } from '../../helpers/index.js';

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

test('the cache serves a file prepared before, keyed by content, header and version', async (t) => {
  const dir = await tempDir();
  t.after(() => dir.remove());
  const cache = new PrepareCache(dir.path, '1.0.0+t1');
  const source = 'function f(a) {\n  return a + 1;\n}\nmodule.exports = f;\n';
  const first = prepareFile(source, 'commonjs', 'const $lp = 0;', cache);
  const second = prepareFile(source, 'commonjs', 'const $lp = 0;', cache);
  assert.equal(first.kind, 'prepared');
  assert.equal(second.kind, 'cached');
  assert.deepEqual(second.kind === 'cached' && second.output, first.kind === 'prepared' && first.output);
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
