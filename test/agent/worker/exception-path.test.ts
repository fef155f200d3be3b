import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commonJsHeader, moduleHeader } from '../../../agent/src/prepare/prepared-messages.js';
import { prepareForBuild } from '../../../agent/src/prepare/build-output.js';
import { ExceptionPath } from '../../../agent/src/worker/exception-path.js';
import type { LoadedScript } from '../../../agent/src/worker/inspector-session.js';

const script = (path: string): LoadedScript => ({ scriptId: path, url: `file://${path}`, path, endLine: 1 });

/** Loads each of `files` (path → source, as V8 has it) in order; the path's name after each. */
async function load(path: ExceptionPath, files: Record<string, string>): Promise<{ moved: boolean; name: string }[]> {
  const out = [];
  for (const [file, source] of Object.entries(files)) {
    const moved = await path.loaded(script(file), async () => source);
    out.push({ moved, name: path.name });
  }
  return out;
}

test('exception actions take the prepared path while every app file loaded is prepared, as it loads or at build time', async () => {
  const path = new ExceptionPath(() => true);
  assert.equal(path.name, 'prepared', 'preparing is on and nothing is loaded yet');
  const long = prepareForBuild({
    name: 'big.mjs',
    kind: 'module',
    source: `${Array.from({ length: 400 }, (_, i) => `export function f${i}(a) { return a + ${i}; }`).join('\n')}\n`,
  });
  assert.ok(long.flagsModule !== undefined && long.flagsModule.indexOf('$lpF') > 4096, 'a flags module whose header is far down');
  const steps = await load(path, {
    '/srv/app/server.js': `${commonJsHeader()}module.exports = 1;`,
    '/srv/app/routes.mjs': `${moduleHeader('file:///srv/app/routes.mjs')}export default 1;`,
    '/srv/app/big.mjs': long.code,
    '/srv/app/big.mjs.lp-flags.mjs': long.flagsModule!,
    '/srv/app/node_modules/express/index.js': 'module.exports = require("./lib/express");',
    'node:internal/modules/run_main': 'anything',
  });
  assert.deepEqual(
    steps.map((s) => s.name),
    ['prepared', 'prepared', 'prepared', 'prepared', 'prepared', 'prepared'],
    'node_modules and Node internals are not app files',
  );
  assert.match(path.describe(), /^prepared path: /);

  const [moved] = await load(path, { '/srv/app/legacy.js': 'module.exports = function legacy() {};' });
  assert.deepEqual(moved, { moved: true, name: 'breakpoint' }, 'the first unprepared app file moves them to the breakpoint path');
  assert.equal(
    path.describe(),
    'breakpoint path: the app pauses at each thrown error (/srv/app/legacy.js is not prepared; prepare every app file to avoid the pauses)',
  );
  const [again] = await load(path, { '/srv/app/server2.js': `${commonJsHeader()}1;` });
  assert.deepEqual(again, { moved: false, name: 'breakpoint' }, 'and they stay there');
});

test('with nothing prepared, exception actions take the breakpoint path, and say how to avoid its pauses', async () => {
  const path = new ExceptionPath(() => false);
  const [step] = await load(path, { '/srv/app/server.js': 'module.exports = 1;' });
  assert.deepEqual(step, { moved: false, name: 'breakpoint' });
  assert.match(path.describe(), /^breakpoint path: .*server\.js is not prepared/);
  assert.match(
    new ExceptionPath(() => false).describe(),
    /no file is prepared; LIVEPROBE_PREPARE=app or `liveprobe prepare` avoids the pauses/,
  );
});

test('an attached target takes the breakpoint path even with prepared files, and is not told to prepare them', async () => {
  const path = new ExceptionPath(() => true, false);
  const [step] = await load(path, { '/srv/app/server.js': `${commonJsHeader()}module.exports = 1;` });
  assert.deepEqual(step, { moved: false, name: 'breakpoint' });
  assert.equal(path.describe(), 'breakpoint path: the target pauses at each thrown error (an attached target always takes it)');
});

test("Next.js's middleware, a webpack chunk for the edge runtime that `liveprobe prepare` leaves as written, keeps exception actions on the prepared path", async () => {
  const path = new ExceptionPath(() => true);
  const edgeChunk = '(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([[826],{1:(e,t,r)=>{r.r(t)}}]);';
  const steps = await load(path, {
    '/srv/app/.next/server/server.js': `${commonJsHeader()}module.exports = 1;`,
    '/srv/app/.next/server/edge-runtime-webpack.js': edgeChunk,
    '/srv/app/.next/server/middleware.js': edgeChunk,
  });
  assert.deepEqual(
    steps.map((s) => s.name),
    ['prepared', 'prepared', 'prepared'],
    'no agent hook runs in the edge sandbox, so preparing it could not be the advice',
  );
  assert.doesNotMatch(path.describe(), /middleware/);
});
