/**
 * A snapshot's stack in minified code names every frame as the source does (through the
 * script's source map), not by the minifier's names, on the breakpoint path and on a prepared
 * site alike: esbuild --minify output, ES module and CommonJS.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { build } from 'esbuild';
import { fromRoot } from '@liveprobe/harness';
import { lineOf, tempDir } from '../helpers/index.js';
import { addAction, app, controlPlane, installed } from './fixtures.js';
import { snapshotsOnBroker } from './snapshot-events.js';

const WAIT = 15_000;
const APP = 'test/fixtures/named-calls-app.mjs';
const NAMES = ['applyDiscount', 'priceOrder', 'handleRequest'];

for (const format of ['esm', 'cjs'] as const) {
  for (const path of ['breakpoint', 'prepared'] as const) {
    test(`minified (esbuild --minify, ${format}), on a ${path === 'prepared' ? 'prepared site' : 'breakpoint'}: each stack frame has the source's function name`, async (t) => {
      const out = await tempDir('liveprobe-named-calls-');
      t.after(() => out.remove());
      const script = join(out.path, format === 'esm' ? 'app.mjs' : 'app.cjs');
      await build({ entryPoints: [fromRoot(APP)], bundle: true, platform: 'node', format, minify: true, sourcemap: true, outfile: script });
      const code = await readFile(script, 'utf8');
      for (const name of NAMES) assert.ok(!code.includes(name), `the minifier renamed ${name}`);
      const cp = await controlPlane(t);
      const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
      const shop = await app(t, {
        script,
        broker: cp.mqttUrl,
        module: format,
        env: path === 'prepared' ? { LIVEPROBE_PREPARE: script } : {},
      });
      const line = lineOf(APP, 'discount');
      const { action } = await addAction(cp, { type: 'snapshot', file: APP, line, tags: ['e2e'] });
      assert.match(await installed(cp, action.id), path === 'prepared' ? /^installed: prepared site/ : /^installed: breakpoint/);

      assert.equal(await (await fetch(`${shop.url}/?amount=100`)).text(), '95');
      const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the snapshot');
      const top = s.stack.slice(0, NAMES.length);
      assert.deepEqual(
        top.map((f) => f.function),
        NAMES,
        JSON.stringify(s.stack.slice(0, 5)),
      );
      for (const frame of top) assert.match(frame.file, /named-calls-app\.mjs$/, 'each frame through the map');
      assert.equal(top[0]!.line, line);
      assert.equal(s.location.function, 'applyDiscount');
    });
  }
}
