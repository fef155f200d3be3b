/**
 * A breakpoint inside a twinned function while its twin runs: an action on one of the
 * function's prepared sites turns the twin on, and a second action in the same function on a
 * line with no site of its own (a continuation line tsc writes on its statement's line) takes a
 * breakpoint. It must count the calls of whichever body runs: before, it sat in the original
 * body only and counted none while the other action was on. tsc output, CommonJS and ES
 * modules, prepared at build time and as it loads; as it loads also with the prepare cache off
 * and the file edited on disk once it loaded: the twins are found through the position table the
 * file's binding shared with the worker (prepare/packed-table.ts), where preparing the file again
 * from its input (2.6–7.6 s for typescript.js) would give another text and no twin. Prepared at
 * build time also where the app's thread could not get shared memory for the table (a process near
 * its memory limit, test/fixtures/no-shared-tables.mjs): the worker reads the table from the
 * file's own data (worker/prepared/position-tables.ts).
 */
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { ActionStatusView, OutputEvent } from '@liveprobe/protocol';
import { cli, compileTypeScript, lineOf, sseEvents, startApp, tempDir, waitFor } from '../../helpers/index.js';
import { fromRoot } from '@liveprobe/harness';
import { addAction, controlPlane, getAction } from '../../agent/fixtures.js';

const TS = 'test/fixtures/joined-lines/server.ts';
const WAIT = 20_000;
const NO_SERVER = 'http://127.0.0.1:9';

interface Variant {
  module: 'commonjs' | 'es2022';
  prepare: 'build' | 'load';
  /** LIVEPROBE_PREPARE_CACHE=off, and the input edited on disk once the app loaded it (a deploy in place). */
  uncached?: true;
  /** No shared memory for the position table on the app's thread: the worker finds the table itself. */
  noSharedTable?: true;
}

const VARIANTS: Variant[] = [
  { module: 'commonjs', prepare: 'build' },
  { module: 'commonjs', prepare: 'load' },
  { module: 'es2022', prepare: 'build' },
  { module: 'es2022', prepare: 'load' },
  { module: 'commonjs', prepare: 'load', uncached: true },
  { module: 'es2022', prepare: 'load', uncached: true },
  { module: 'commonjs', prepare: 'build', noSharedTable: true },
  { module: 'es2022', prepare: 'build', noSharedTable: true },
];

/** tsc's output of the fixture, prepared into `prepared/` at build time; the script to run and its folder. */
async function build(t: TestContext, variant: Variant): Promise<{ script: string; dir: string }> {
  const dir = await tempDir('liveprobe-twin-breakpoint-');
  t.after(() => dir.remove());
  const dist = join(dir.path, 'dist');
  const moduleResolution = variant.module === 'commonjs' ? 'node10' : 'bundler';
  await compileTypeScript([fromRoot(TS)], { outDir: dist, module: variant.module, moduleResolution });
  if (variant.module === 'es2022') writeFileSync(join(dist, 'package.json'), '{"type":"module"}\n');
  if (variant.prepare === 'load') return { script: join(dist, 'server.js'), dir: dist };
  const prepared = join(dir.path, 'prepared');
  const result = await cli(['prepare', dist, '--out', prepared], { server: NO_SERVER });
  assert.equal(result.code, 0, result.stderr);
  return { script: join(prepared, 'server.js'), dir: prepared };
}

for (const variant of VARIANTS) {
  const name = `tsc (${variant.module === 'commonjs' ? 'CommonJS' : 'ESM'}), prepared ${variant.prepare === 'build' ? 'at build time' : 'as it loads'}${variant.uncached ? ', no cache, edited once loaded' : ''}${variant.noSharedTable ? ', no shared memory for its table' : ''}`;
  test(`${name}: a breakpoint in a function whose twin runs counts its hits`, async (t) => {
    const { script, dir } = await build(t, variant);
    const cp = await controlPlane(t);
    const app = await startApp({
      script,
      module: 'esm',
      broker: cp.mqttUrl,
      tags: ['twin'],
      ...(variant.noSharedTable ? { extraImports: ['./test/fixtures/no-shared-tables.mjs'] } : {}),
      env: {
        ...(variant.prepare === 'load' ? { LIVEPROBE_PREPARE: `${dir}/**` } : {}),
        ...(variant.uncached ? { LIVEPROBE_PREPARE_CACHE: 'off' } : {}),
      },
    });
    t.after(() => app.stop());
    // The code that runs no longer comes out of the file on disk: only its binding holds its table.
    if (variant.uncached) appendFileSync(script, '\n// edited after the app loaded it\n');
    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const installed = async (id: string): Promise<ActionStatusView> =>
      waitFor(
        async () => (await getAction(cp, id)).statuses.find((s) => s.state === 'installed' || s.state === 'error'),
        WAIT,
        `${id} installed`,
      );

    // On the handler's last site: the handler's twin runs from now on.
    const onSite = await addAction(cp, { type: 'log', file: TS, line: lineOf(TS, 'joined-answer'), template: 'answer', tags: ['twin'] });
    assert.equal((await installed(onSite.action.id)).message, 'prepared site (no breakpoint)');
    const continued = lineOf(TS, 'joined-continuation');
    const template = 'continued with {items.length}';
    const onBreakpoint = await addAction(cp, { type: 'log', file: TS, line: continued, template, tags: ['twin'] });
    const status = await installed(onBreakpoint.action.id);
    assert.match(status.message ?? '', /^breakpoint/, status.message);
    assert.match(status.message ?? '', /sits in 2 places/, 'a breakpoint in the original body and one in its twin');
    assert.equal(status.location?.line, continued);

    for (const items of [1, 2, 3]) assert.equal(await (await fetch(`${app.url}/?items=${items}`)).text(), String(items * (items + 1)));
    const hitsOf = async (id: string): Promise<number> => Math.max(0, ...(await getAction(cp, id)).statuses.map((s) => s.hits));
    await waitFor(async () => (await hitsOf(onSite.action.id)) >= 3, WAIT, 'the site’s 3 hits');
    await waitFor(async () => (await hitsOf(onBreakpoint.action.id)) >= 3, WAIT, 'the breakpoint’s 3 hits');
    for (const message of ['continued with 1', 'continued with 2', 'continued with 3'])
      await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).message === message, WAIT, message);
    // Each request stops once, in the body that runs.
    assert.equal(await hitsOf(onBreakpoint.action.id), 3);
    assert.equal(await hitsOf(onSite.action.id), 3);
  });
}
